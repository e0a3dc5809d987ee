import { z } from 'zod';

/** A hub code: letters, digits, _ and -. */
export const HubCode = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only');
export const Sku = z.string().trim().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'letters, digits and _ . : / - only, at most 100');
const units = z.number().int('must be a whole number');
const Units = units.min(0, 'must not be negative').max(1_000_000_000);

export const SetStockBody = z.object({ hub_code: HubCode, sku: Sku, quantity: Units }).strict();
export const TransferBody = z
  .object({ from_hub_code: HubCode, to_hub_code: HubCode, sku: Sku, quantity: Units.min(1, 'must be at least 1') })
  .strict();
export const TransferParams = z.object({ transfer_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,210}$/, 'not a transfer id') });
export const StockQuery = z.object({ hub_code: HubCode.optional(), sku: Sku.optional() });

/** oms-inventory-queue's inventory_update (API.md): an absolute on_hand or a delta. */
export const InventoryUpdateMessage = z
  .object({
    event: z.literal('inventory_update'),
    hub_code: HubCode,
    sku: Sku,
    on_hand: units.min(0, 'must not be negative').optional(),
    delta: units.optional(),
  })
  .refine((m) => (m.on_hand === undefined) !== (m.delta === undefined), { message: 'exactly one of on_hand and delta', path: ['on_hand'] });
