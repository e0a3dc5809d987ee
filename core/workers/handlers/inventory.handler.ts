import { z } from 'zod';
import { sellerScope } from '../../domain/tenant-scope.js';
import { Sku } from '../../inventory/inventory.controller.js';
import type { StockService } from '../../inventory/stock.service.js';
import type { MessageHandler } from '../runtime/listener.js';

const id = z.string().trim().min(1).max(200);
const units = z.number().int('must be a whole number');
export const InventoryUpdateMessage = z
  .object({
    event: z.literal('inventory_update'),
    tenant_id: id,
    seller_id: id,
    hub_code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/),
    sku: Sku,
    on_hand: units.min(0, 'must not be negative').optional(),
    delta: units.optional(),
  })
  .refine((m) => (m.on_hand === undefined) !== (m.delta === undefined), { message: 'exactly one of on_hand and delta', path: ['on_hand'] });

/**
 * oms-inventory-queue: a WMS's stock figure. An absolute on_hand is idempotent by nature; a
 * delta is applied once per message id (recorded on the stock row with the change itself).
 * Unknown hubs, bad figures and an on_hand below what is reserved can never succeed: dead-lettered.
 */
export function inventoryHandler(stock: StockService): MessageHandler {
  return {
    kind: 'single',
    async handle(message) {
      const msg = InventoryUpdateMessage.parse(message.body);
      const key = message.attributes.idempotency_key ?? message.id;
      await stock.applyUpdate(sellerScope(msg.tenant_id, msg.seller_id), msg, key);
    },
  };
}
