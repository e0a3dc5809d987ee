/** One order's claim on a stock row. Never modified in place: pushed on reserve, pulled on release. */
export interface Hold {
  order_id: string;
  quantity: number;
  /** Epoch ms (a number, not a Date: FerretDB matches it exactly inside `$all`). */
  at: number;
}

/** Stock of one SKU at one hub of a tenant. `available = on_hand - reserved` is stored so it can be conditioned on. */
export interface StockRow {
  tenant_id: string;
  hub_code: string;
  sku: string;
  on_hand: number;
  reserved: number;
  available: number;
  /** The truth of what live orders hold here: `reserved` is their sum. */
  holds: Hold[];
  /** The order ids of `holds`, written with them: what the "one hold per order" guard conditions on. */
  hold_order_ids: string[];
  /** Keys of keyed adjustments already applied (delta messages, restocks, transfers). */
  applied: string[];
  version: number;
  updated_at: Date;
}

export interface StockLine {
  sku: string;
  quantity: number;
}

export function toStockView(row: StockRow): Record<string, unknown> {
  return {
    hub_code: row.hub_code,
    sku: row.sku,
    on_hand: row.on_hand,
    reserved: row.reserved,
    available: row.available,
    updated_at: row.updated_at.toISOString(),
  };
}

/** Sums quantities per SKU (an order may list a SKU twice): one hold per order and row. */
export function mergeLines(lines: StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  return [...bySku.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
}
