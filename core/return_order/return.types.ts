export const RETURN_STATUSES = ['requested', 'received', 'refunded', 'closed'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** requested -> received -> refunded | closed; requested -> closed (withdrawn, nothing came back). */
export const RETURN_MOVES: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  requested: ['received', 'closed'],
  received: ['refunded', 'closed'],
  refunded: [],
  closed: [],
};

export interface ReturnItem {
  seller_sku_code: string;
  quantity: number;
  reason: string;
}

import type { ReturnPart } from './return-allocation.js';

export interface ReturnOrder {
  id: string;
  tenant_id: string;
  seller_id: string;
  /** The OMS order id. */
  order_id: string;
  return_number: number;
  /** The hub the units go back to; on a split order, the first part's (see `parts`). */
  hub_code: string;
  /** On a split order: which part (and hub) shipped each returned unit; absent on single-hub orders. */
  parts?: ReturnPart[];
  status: ReturnStatus;
  items: ReturnItem[];
  history: { at: Date; from: ReturnStatus | null; to: ReturnStatus; note: string | null }[];
  received_at: Date | null;
  /** What the customer got back when the return was refunded with an amount (also on the order's payment). */
  refund_amount?: number | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** A return counts against what can still be returned unless it was withdrawn before anything came back. */
export function holdsQuantity(r: Pick<ReturnOrder, 'status' | 'received_at'>): boolean {
  return !(r.status === 'closed' && r.received_at === null);
}

/**
 * Checks a requested return against the delivered quantities minus earlier returns; answers the
 * field errors (empty when fine).
 */
export function returnableProblems(
  delivered: { seller_sku_code: string; quantity: number }[],
  earlier: Pick<ReturnOrder, 'status' | 'received_at' | 'items'>[],
  requested: ReturnItem[],
): { field: string; message: string }[] {
  const left = new Map<string, number>();
  for (const item of delivered) left.set(item.seller_sku_code, (left.get(item.seller_sku_code) ?? 0) + item.quantity);
  for (const r of earlier.filter(holdsQuantity)) {
    for (const item of r.items) left.set(item.seller_sku_code, (left.get(item.seller_sku_code) ?? 0) - item.quantity);
  }
  const asked = new Map<string, number>();
  const problems: { field: string; message: string }[] = [];
  requested.forEach((item, i) => {
    const total = (asked.get(item.seller_sku_code) ?? 0) + item.quantity;
    asked.set(item.seller_sku_code, total);
    if (!left.has(item.seller_sku_code)) {
      problems.push({ field: `items.${i}.seller_sku_code`, message: 'not an item of this order' });
    } else if (total > (left.get(item.seller_sku_code) as number)) {
      problems.push({ field: `items.${i}.quantity`, message: `at most ${Math.max(0, left.get(item.seller_sku_code) as number)} can still be returned` });
    }
  });
  return problems;
}

export function toReturnView(r: ReturnOrder): Record<string, unknown> {
  return {
    id: r.id,
    return_number: r.return_number,
    seller_id: r.seller_id,
    order_id: r.order_id,
    hub_code: r.hub_code,
    parts: r.parts ?? [],
    status: r.status,
    items: r.items,
    history: r.history.map((h) => ({ ...h, at: h.at.toISOString() })),
    received_at: r.received_at?.toISOString() ?? null,
    refund_amount: r.refund_amount ?? null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    version: r.version,
  };
}
