import type { TenantScope } from '../domain/tenant-scope.js';
import { heldReservations } from '../domain/transitions.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { StockRepository } from './stock.repository.js';
import type { Hold, StockRow } from './stock.types.js';

export interface StockDifference {
  hub_code: string;
  sku: string;
  kind: 'orphan_hold' | 'in_flight_hold' | 'missing_hold' | 'hold_quantity' | 'duplicate_hold' | 'reserved_drift' | 'available_drift' | 'negative_available' | 'hold_index_drift';
  order_id?: string;
  expected?: number;
  actual?: number;
  repaired?: boolean;
  note?: string;
}

export interface StockCheckReport {
  tenant_id: string;
  rows_checked: number;
  orders_holding: number;
  differences: StockDifference[];
  repaired: boolean;
  /** True when nothing (left) differs, in-flight holds aside. */
  ok: boolean;
}

/** A hold this young on a pending/held order may belong to a routing in progress: reported, not released. */
const IN_FLIGHT_GRACE_MS = 60_000;

/**
 * `oms check-stock`: recomputes what every stock row should hold from the orders that hold stock
 * (reserving statuses with a reservation) and compares holds and counters. With repair: releases
 * holds of orders that hold nothing, restores missing holds where the units are there, then sets
 * reserved = sum of holds and available = on_hand - reserved, each row by its version.
 */
export class StockCheck {
  constructor(
    private readonly stock: StockRepository,
    private readonly orders: OrderRepository,
  ) {}

  async run(scope: TenantScope, options: { repair: boolean }): Promise<StockCheckReport> {
    const live = await this.orders.liveReservations(scope);
    const expected = new Map<string, Map<string, number>>();
    for (const order of live) {
      // Every part of a split order still at its hub holds there (heldReservations).
      for (const reservation of heldReservations(order)) {
        for (const line of reservation.lines) {
          const key = rowKey(reservation.hub_code, line.sku);
          if (!expected.has(key)) expected.set(key, new Map());
          expected.get(key)!.set(order.id, line.quantity);
        }
      }
    }
    const rows = await this.stock.list(scope, {});
    const differences: StockDifference[] = [];
    for (const row of rows) {
      const want = expected.get(rowKey(row.hub_code, row.sku)) ?? new Map<string, number>();
      expected.delete(rowKey(row.hub_code, row.sku));
      differences.push(...(await this.checkRow(scope, row, want, options.repair)));
    }
    for (const [key, want] of expected) {
      const [hub_code, sku] = key.split('\u0000') as [string, string];
      for (const [order_id, quantity] of want) differences.push({ hub_code, sku, kind: 'missing_hold', order_id, expected: quantity, actual: 0, repaired: false, note: 'no stock row' });
    }
    return {
      tenant_id: scope.tenantId,
      rows_checked: rows.length,
      orders_holding: live.length,
      differences,
      repaired: options.repair,
      ok: differences.every((d) => d.kind === 'in_flight_hold' || d.repaired === true),
    };
  }

  private async checkRow(scope: TenantScope, row: StockRow, want: Map<string, number>, repair: boolean): Promise<StockDifference[]> {
    const out: StockDifference[] = [];
    const at = { hub_code: row.hub_code, sku: row.sku };
    const seen = new Set<string>();
    for (const hold of row.holds) {
      if (seen.has(hold.order_id)) {
        out.push({ ...at, kind: 'duplicate_hold', order_id: hold.order_id, expected: 0, actual: hold.quantity, note: 'a second hold for the same order', repaired: repair ? await this.release(scope, row, hold) : false });
        continue;
      }
      seen.add(hold.order_id);
      const quantity = want.get(hold.order_id);
      if (quantity === hold.quantity) continue;
      if (quantity === undefined) {
        const order = await this.orders.findInTenant(scope, hold.order_id);
        if (order && (order.status === 'pending' || order.status === 'on_hold') && Date.now() - hold.at < IN_FLIGHT_GRACE_MS) {
          out.push({ ...at, kind: 'in_flight_hold', order_id: hold.order_id, actual: hold.quantity, note: 'young hold of an order being routed; left alone' });
          continue;
        }
        out.push({ ...at, kind: 'orphan_hold', order_id: hold.order_id, expected: 0, actual: hold.quantity, note: order ? `order is ${order.status}` : 'order not found', repaired: repair ? await this.release(scope, row, hold) : false });
      } else {
        const fixed = repair ? (await this.release(scope, row, hold)) && (await this.restore(scope, row, hold.order_id, quantity)) : false;
        out.push({ ...at, kind: 'hold_quantity', order_id: hold.order_id, expected: quantity, actual: hold.quantity, repaired: fixed });
      }
    }
    for (const [orderId, quantity] of want) {
      if (row.holds.some((h) => h.order_id === orderId)) continue;
      out.push({ ...at, kind: 'missing_hold', order_id: orderId, expected: quantity, actual: 0, repaired: repair ? await this.restore(scope, row, orderId, quantity) : false });
    }
    out.push(...(await this.checkCounters(scope, row, repair)));
    return out;
  }

  /** Counters against the row's own holds (after any hold repair above). */
  private async checkCounters(scope: TenantScope, examined: StockRow, repair: boolean): Promise<StockDifference[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = repair ? ((await this.stock.find(scope, examined.hub_code, examined.sku)) ?? examined) : examined;
      const held = row.holds.reduce((n, h) => n + h.quantity, 0);
      const out: StockDifference[] = [];
      const at = { hub_code: row.hub_code, sku: row.sku };
      if (row.reserved !== held) out.push({ ...at, kind: 'reserved_drift', expected: held, actual: row.reserved });
      if (row.available !== row.on_hand - held) out.push({ ...at, kind: 'available_drift', expected: row.on_hand - held, actual: row.available });
      if (row.on_hand - held < 0) out.push({ ...at, kind: 'negative_available', expected: 0, actual: row.on_hand - held, note: 'orders hold more than is on hand' });
      const ids = row.holds.map((h) => h.order_id);
      if (ids.length !== row.hold_order_ids.length || ids.some((id, i) => row.hold_order_ids[i] !== id)) {
        out.push({ ...at, kind: 'hold_index_drift', expected: ids.length, actual: row.hold_order_ids.length, note: 'hold_order_ids differs from the holds' });
      }
      if (out.length === 0 || !repair) return out;
      if (await this.stock.setCounters(scope, row, held)) return out.map((d) => ({ ...d, repaired: d.kind !== 'negative_available' }));
    }
    return [{ hub_code: examined.hub_code, sku: examined.sku, kind: 'reserved_drift', repaired: false, note: 'row kept changing; run again' }];
  }

  private async release(scope: TenantScope, row: StockRow, hold: Hold): Promise<boolean> {
    return (await this.stock.release(scope, row.hub_code, row.sku, hold)) !== null;
  }

  private async restore(scope: TenantScope, row: StockRow, orderId: string, quantity: number): Promise<boolean> {
    const out = await this.stock.reserve(scope, row.hub_code, row.sku, { order_id: orderId, quantity, at: Date.now() });
    return out.kind !== 'short';
  }
}

function rowKey(hubCode: string, sku: string): string {
  return `${hubCode}\u0000${sku}`;
}
