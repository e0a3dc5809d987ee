import { parse } from 'csv-parse/sync';
import { AppError } from '../domain/errors.js';

/**
 * Turns an uploaded file into order bodies, the same shape as the JSON create body.
 *
 * CSV: one row per order line, columns named by the body's paths (`order_id`,
 * `sales_channel.name`, `customer.name`, `shipping_address.city`, `payment.total`, `hub_code`…)
 * and `item.<field>` for the line (`item.seller_sku_code`, `item.quantity`, `item.unit_price`,
 * `item.sales_channel_order_item_id`). Rows sharing an order_id are one order with several
 * lines; its other columns are taken from its first row. Empty cells are left out.
 *
 * JSON: a list of bodies, or `{"orders": [...]}`.
 */
export function ordersFromFile(file: { buffer: Buffer; originalname?: string; mimetype?: string }): { orders: unknown[]; source: 'csv' | 'json_file' } {
  const text = file.buffer.toString('utf8').replace(/^\uFEFF/, '');
  const looksJson = /json/i.test(file.mimetype ?? '') || /\.json$/i.test(file.originalname ?? '') || /^\s*[[{]/.test(text);
  return looksJson ? { orders: ordersFromJson(text), source: 'json_file' } : { orders: ordersFromCsv(text), source: 'csv' };
}

function ordersFromJson(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AppError('bad_request', `file is not valid JSON: ${(err as Error).message}`);
  }
  const orders = Array.isArray(parsed) ? parsed : (parsed as { orders?: unknown } | null)?.orders;
  if (!Array.isArray(orders)) throw AppError.validation([{ field: 'file', message: 'expected a list of orders or {"orders": [...]}' }]);
  return orders;
}

/** Columns whose cells are numbers in the body; everything else stays text (phones, postal codes). */
const NUMERIC = new Set(['shipping_address.latitude', 'shipping_address.longitude', 'payment.total', 'item.quantity', 'item.unit_price']);

function ordersFromCsv(text: string): unknown[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new AppError('bad_request', `file is not valid CSV: ${(err as Error).message}`);
  }
  if (rows.length > 0 && !('order_id' in (rows[0] as object))) throw AppError.validation([{ field: 'file', message: 'CSV needs an order_id column' }]);
  const byOrderId = new Map<string, Record<string, unknown>>();
  const orders: Record<string, unknown>[] = [];
  for (const row of rows) {
    const orderId = row.order_id ?? '';
    let order = orderId ? byOrderId.get(orderId) : undefined;
    const item: Record<string, unknown> = {};
    if (!order) {
      order = { order_items: [] };
      orders.push(order);
      if (orderId) byOrderId.set(orderId, order);
      for (const [column, cell] of Object.entries(row)) if (!column.startsWith('item.')) put(order, column, cell);
    }
    for (const [column, cell] of Object.entries(row)) if (column.startsWith('item.')) put(item, column.slice('item.'.length), cell, column);
    if (Object.keys(item).length > 0) (order.order_items as unknown[]).push(item);
  }
  return orders;
}

function put(target: Record<string, unknown>, path: string, cell: string, column = path): void {
  if (cell === '') return;
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (part === '__proto__' || part === 'constructor') return;
    node = (node[part] ??= {}) as Record<string, unknown>;
  }
  const leaf = parts[parts.length - 1] as string;
  if (leaf === '__proto__' || leaf === 'constructor') return;
  node[leaf] = NUMERIC.has(column) && cell.trim() !== '' && !Number.isNaN(Number(cell)) ? Number(cell) : cell;
}
