import type { Fulfilment } from '../domain/order.js';
import { holdsQuantity, type ReturnItem, type ReturnOrder } from './return.types.js';

/** Returned units of one SKU that one part of a split order shipped: they are restocked at its hub. */
export interface ReturnPart {
  fulfilment_id: string;
  hub_code: string;
  sku: string;
  quantity: number;
}

/**
 * Which part shipped each returned unit of a split order (docs/adr/0020). Only delivered parts
 * count (a part that came back to origin was restocked then); per SKU the units are taken from
 * the parts in their order, less what earlier returns (still holding their units) took from each.
 * Answers the allocation, merged per part and SKU, or the field errors (nothing allocated).
 */
export function allocateReturn(
  parts: Pick<Fulfilment, 'fulfilment_id' | 'hub_code' | 'lines' | 'status'>[],
  earlier: Pick<ReturnOrder, 'status' | 'received_at' | 'parts'>[],
  items: ReturnItem[],
): { parts: ReturnPart[]; problems: { field: string; message: string }[] } {
  const key = (fulfilmentId: string, sku: string) => `${fulfilmentId}\u0000${sku}`;
  const left = new Map<string, number>();
  const delivered = parts.filter((p) => p.status === 'delivered');
  for (const part of delivered) for (const line of part.lines) left.set(key(part.fulfilment_id, line.sku), (left.get(key(part.fulfilment_id, line.sku)) ?? 0) + line.quantity);
  for (const r of earlier.filter(holdsQuantity)) for (const p of r.parts ?? []) left.set(key(p.fulfilment_id, p.sku), (left.get(key(p.fulfilment_id, p.sku)) ?? 0) - p.quantity);

  const taken = new Map<string, ReturnPart>();
  const problems: { field: string; message: string }[] = [];
  items.forEach((item, i) => {
    let wanted = item.quantity;
    for (const part of delivered) {
      const k = key(part.fulfilment_id, item.seller_sku_code);
      const available = Math.max(0, left.get(k) ?? 0);
      const take = Math.min(wanted, available);
      if (take === 0) continue;
      left.set(k, available - take);
      wanted -= take;
      const prior = taken.get(k);
      taken.set(k, { fulfilment_id: part.fulfilment_id, hub_code: part.hub_code, sku: item.seller_sku_code, quantity: (prior?.quantity ?? 0) + take });
      if (wanted === 0) break;
    }
    if (wanted > 0) problems.push({ field: `items.${i}.quantity`, message: `${wanted} of ${item.seller_sku_code} were not delivered by any part (or were returned already)` });
  });
  return problems.length > 0 ? { parts: [], problems } : { parts: [...taken.values()], problems };
}
