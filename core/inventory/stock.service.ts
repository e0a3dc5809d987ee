import { AppError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import type { StockPort } from './stock.port.js';
import type { HubService } from '../hub/hub.service.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { LowStockNotifier } from './low-stock.notifier.js';
import type { AdjustOutcome, FoundHold, StockRepository } from './stock.repository.js';
import { mergeLines, type StockLine, type StockRow } from './stock.types.js';

export interface SetStockInput {
  hub_code: string;
  sku: string;
  quantity: number;
}

export interface StockUpdateInput {
  hub_code: string;
  sku: string;
  on_hand?: number;
  delta?: number;
}

/** Every line held (with the holds, so a caller can give exactly them back), or the first line that was short. */
export type ReserveResult = { ok: true; lines: StockLine[]; holds: FoundHold[] } | { ok: false; sku: string; available: number };

/** Called when units become available for a seller's orders (approve-on-hold is queued). */
export type StockArrived = (scope: SellerScope) => Promise<void>;

/**
 * Stock per tenant, hub and SKU, and the reservation primitive of DESIGN.md "Stock: the
 * invariant". Holds live on the stock rows; an order's reservation is "all its lines at one hub
 * or nothing", built line by line from single-row conditional updates and undone on failure.
 */
export class StockService implements StockPort {
  constructor(
    private readonly repo: StockRepository,
    private readonly hubs: HubService,
    private readonly tenants: TenantService,
    private readonly lowStock: LowStockNotifier,
    private readonly stockArrived: StockArrived,
  ) {}

  async list(scope: TenantScope, filter: { hub_code?: string; sku?: string }): Promise<StockRow[]> {
    return this.repo.list(scope, filter);
  }

  rowsForSkus(scope: TenantScope, skus: string[]): Promise<StockRow[]> {
    return this.repo.listBySkus(scope, skus);
  }

  /** The rows of `skus` and every hold of `orderId`, in one read (routing's inputs). */
  routingView(scope: TenantScope, skus: string[], orderId: string): Promise<{ rows: StockRow[]; holds: FoundHold[] }> {
    return this.repo.routingView(scope, skus, orderId);
  }

  /** PUT inventory: on_hand becomes `quantity`, never below what is reserved (409 with the figures). */
  async setOnHand(scope: SellerScope, input: SetStockInput): Promise<StockRow> {
    await this.requireHub(scope, input.hub_code, 'hub_code');
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = await this.repo.find(scope, input.hub_code, input.sku);
      if (!row) {
        if (await this.repo.insert(scope, input.hub_code, input.sku, input.quantity)) {
          const created = (await this.repo.find(scope, input.hub_code, input.sku)) as StockRow;
          await this.afterChange(scope, created, 0, input.quantity);
          this.lowStock.updated(scope, scope.sellerId, created, 'set', null);
          return created;
        }
        continue;
      }
      if (input.quantity < row.reserved) throw belowReserved(row, input.quantity);
      const updated = await this.repo.setOnHand(scope, row, input.quantity);
      if (updated) {
        await this.afterChange(scope, updated, row.available, updated.available);
        this.lowStock.updated(scope, scope.sellerId, updated, 'set', updated.on_hand - row.on_hand);
        return updated;
      }
    }
    throw new AppError('version_conflict', 'stock changed too often while being set; retry', { hub_code: input.hub_code, sku: input.sku });
  }

  /** inventory_update messages: absolute on_hand, or a delta applied once per `key`. */
  async applyUpdate(scope: SellerScope, input: StockUpdateInput, key: string): Promise<StockRow | null> {
    if (input.on_hand !== undefined) return this.setOnHand(scope, { hub_code: input.hub_code, sku: input.sku, quantity: input.on_hand });
    await this.requireHub(scope, input.hub_code, 'hub_code');
    const delta = input.delta ?? 0;
    if (delta === 0) return this.repo.find(scope, input.hub_code, input.sku);
    const out = await this.adjustOnce(scope, input.hub_code, input.sku, delta, `upd:${key}`);
    if (out.kind === 'duplicate') return this.repo.find(scope, input.hub_code, input.sku);
    if (out.kind === 'missing') throw AppError.validation([{ field: 'sku', message: `no stock of ${input.sku} at ${input.hub_code} to decrease` }]);
    if (out.kind === 'short') throw new AppError('insufficient_stock', `on_hand cannot drop below reserved`, { hub_code: input.hub_code, sku: input.sku, available: out.available, delta });
    return out.row;
  }

  /**
   * Adds `delta` to on_hand at most once per `key` (transfer legs): the outcome as the
   * repository saw it, with low-stock and stock-arrived effects when it applied.
   */
  async adjustOnce(scope: SellerScope, hubCode: string, sku: string, delta: number, key: string): Promise<AdjustOutcome> {
    const out = await this.repo.adjust(scope, hubCode, sku, delta, key);
    if (out.kind === 'applied') {
      await this.afterChange(scope, out.row, out.row.available - delta, out.row.available);
      this.lowStock.updated(scope, scope.sellerId, out.row, 'adjusted', delta);
    }
    return out;
  }

  /** Every line of `lines` at `hubCode` for the order, or none: what was taken is given back. */
  async reserveAll(scope: TenantScope, hubCode: string, order: Pick<Order, 'id' | 'seller_id'>, lines: StockLine[]): Promise<ReserveResult> {
    const taken: FoundHold[] = [];
    const at = Date.now();
    for (const line of mergeLines(lines)) {
      const out = await this.repo.reserve(scope, hubCode, line.sku, { order_id: order.id, quantity: line.quantity, at });
      if (out.kind === 'short') {
        await this.releaseHolds(scope, taken);
        return { ok: false, sku: line.sku, available: out.available };
      }
      if (out.kind === 'held' && out.hold.quantity !== line.quantity) {
        // Left by an attempt for an earlier version of the items: swap it for the right quantity.
        await this.repo.release(scope, hubCode, line.sku, out.hold);
        const again = await this.repo.reserve(scope, hubCode, line.sku, { order_id: order.id, quantity: line.quantity, at });
        if (again.kind !== 'reserved') {
          await this.releaseHolds(scope, taken);
          return { ok: false, sku: line.sku, available: again.kind === 'short' ? again.available : 0 };
        }
        taken.push({ hub_code: hubCode, sku: line.sku, hold: again.row.holds.find((h) => h.order_id === order.id) as FoundHold['hold'] });
        continue;
      }
      if (out.kind === 'held') {
        taken.push({ hub_code: hubCode, sku: line.sku, hold: out.hold });
        continue;
      }
      taken.push({ hub_code: hubCode, sku: line.sku, hold: out.row.holds.find((h) => h.order_id === order.id) as FoundHold['hold'] });
      await this.afterChange({ tenantId: scope.tenantId, sellerId: order.seller_id }, out.row, out.row.available + line.quantity, out.row.available);
    }
    return { ok: true, lines: mergeLines(lines), holds: taken };
  }

  holdsOf(scope: TenantScope, orderId: string): Promise<FoundHold[]> {
    return this.repo.holdsOf(scope, orderId);
  }

  async releaseHolds(scope: TenantScope, holds: FoundHold[]): Promise<void> {
    for (const h of holds) await this.repo.release(scope, h.hub_code, h.sku, h.hold);
  }

  /** Releases every hold of the order, wherever the stock rows say it is (not only order.reservation). */
  async releaseForOrder(scope: TenantScope, order: Order): Promise<void> {
    await this.releaseHolds(scope, await this.repo.holdsOf(scope, order.id));
  }

  async consumeForOrder(scope: TenantScope, order: Order, hubCode?: string): Promise<void> {
    for (const h of await this.repo.holdsOf(scope, order.id)) {
      if (hubCode === undefined || h.hub_code === hubCode) await this.repo.consume(scope, h.hub_code, h.sku, h.hold);
    }
  }

  /** Returns how many lines were restocked now (0 when `key` was applied before: a repeat). */
  async restock(scope: TenantScope, hubCode: string, lines: { sku: string; quantity: number }[], key: string): Promise<number> {
    let applied = 0;
    for (const line of mergeLines(lines)) {
      if (line.quantity <= 0) continue;
      const out = await this.repo.adjust(scope, hubCode, line.sku, line.quantity, `restock:${key}:${line.sku}`);
      if (out.kind === 'applied') applied += 1;
    }
    return applied;
  }

  private async requireHub(scope: TenantScope, code: string, field: string): Promise<void> {
    if (!(await this.hubs.find(scope, code))) throw AppError.validation([{ field, message: `unknown hub ${code}` }]);
  }

  private async afterChange(scope: SellerScope | TenantScope, row: StockRow, before: number, after: number): Promise<void> {
    const sellerId = 'sellerId' in scope ? scope.sellerId : null;
    const threshold = (await this.tenants.settings(scope)).low_stock_threshold;
    if (this.lowStock.crossed(before, after, threshold)) this.lowStock.notify(scope, sellerId, row, threshold);
    if (after > before && sellerId) await this.stockArrived({ tenantId: scope.tenantId, sellerId });
  }
}

function belowReserved(row: StockRow, quantity: number): AppError {
  return new AppError('conflict', `on_hand cannot be set below the ${row.reserved} units reserved for orders`, {
    hub_code: row.hub_code,
    sku: row.sku,
    requested: quantity,
    reserved: row.reserved,
    on_hand: row.on_hand,
  });
}
