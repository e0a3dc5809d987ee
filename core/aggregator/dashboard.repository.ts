import type { Collection, Db, Document } from 'mongodb';
import type { OrderStatus } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';

/** One cell of the breakdown: how many orders share these four values. */
export interface BreakdownRow {
  status: OrderStatus;
  hub_code: string | null;
  sales_channel: string | null;
  hold_reason: string | null;
  count: number;
}

export interface DateRange {
  from: Date;
  to: Date;
}

/**
 * A read model over the orders collection for dashboards: counts only, through aggregations
 * FerretDB 1.x runs ($match, $group, $sum, $count). Every $match starts with tenant_id and
 * seller_id, served by the orders' `tenant_seller_created` and `tenant_seller_status_created`
 * indexes.
 */
export class DashboardRepository {
  private readonly orders: Collection<Document>;

  constructor(db: Db) {
    this.orders = db.collection('orders');
  }

  /**
   * One $group over the four dimensions, so every count of the dashboard comes from the same
   * pass and they always add up to the same total.
   */
  async breakdown(scope: SellerScope, range: DateRange): Promise<BreakdownRow[]> {
    const rows = await this.orders
      .aggregate<{ _id: { status: OrderStatus; hub?: string | null; channel?: string | null; hold?: string | null }; n: number }>([
        { $match: { tenant_id: scope.tenantId, seller_id: scope.sellerId, created_at: { $gte: range.from, $lte: range.to } } },
        { $group: { _id: { status: '$status', hub: '$hub_code', channel: '$sales_channel.name', hold: '$hold_reason' }, n: { $sum: 1 } } },
      ])
      .toArray();
    return rows.map((r) => ({
      status: r._id.status,
      hub_code: r._id.hub ?? null,
      sales_channel: r._id.channel ?? null,
      hold_reason: r._id.hold ?? null,
      count: r.n,
    }));
  }

  /** Per rule name, how many orders created in `range` it fired on (order.rules_fired, one entry per rule). */
  async ruleFirings(scope: SellerScope, range: DateRange): Promise<Record<string, number>> {
    const rows = await this.orders
      .aggregate<{ _id: string; n: number }>([
        { $match: { tenant_id: scope.tenantId, seller_id: scope.sellerId, created_at: { $gte: range.from, $lte: range.to } } },
        { $project: { rules_fired: 1 } },
        { $unwind: '$rules_fired' },
        { $group: { _id: '$rules_fired', n: { $sum: 1 } } },
      ])
      .toArray();
    return Object.fromEntries(rows.map((r) => [r._id, r.n]));
  }

  /**
   * SLA flags (core/sla) of orders created in `range`, counted per flag, hub and sales channel:
   * `{stage}:at_risk` / `{stage}:breached`, each recorded at most once per order and stage.
   */
  async slaFlags(scope: SellerScope, range: DateRange): Promise<{ flag: string; hub_code: string | null; sales_channel: string | null; count: number }[]> {
    // Grouped by the whole flags array (a handful of distinct sets), then unfolded here: FerretDB
    // 1.x does not unwind a nested array path.
    const rows = await this.orders
      .aggregate<{ _id: { flags?: string[] | null; hub?: string | null; channel?: string | null }; n: number }>([
        { $match: { tenant_id: scope.tenantId, seller_id: scope.sellerId, created_at: { $gte: range.from, $lte: range.to }, 'sla.flags': { $exists: true } } },
        { $group: { _id: { flags: '$sla.flags', hub: '$hub_code', channel: '$sales_channel.name' }, n: { $sum: 1 } } },
      ])
      .toArray();
    return rows.flatMap((r) => (r._id.flags ?? []).map((flag) => ({ flag, hub_code: r._id.hub ?? null, sales_channel: r._id.channel ?? null, count: r.n })));
  }

  /**
   * The split orders (docs/adr/0020) created in `range`: their own status and hub, and their parts'
   * (with each part's SLA flags).
   * Read whole and folded by the service (FerretDB 1.x does not unwind a nested array path); a
   * split order stores a handful of parts.
   */
  async splitOrders(scope: SellerScope, range: DateRange): Promise<{ status: OrderStatus; hub_code: string | null; parts: { hub_code: string; status: OrderStatus; sla_flags: string[] }[] }[]> {
    const docs = await this.orders
      .find(
        { tenant_id: scope.tenantId, seller_id: scope.sellerId, created_at: { $gte: range.from, $lte: range.to }, fulfilments: { $exists: true, $ne: null } },
        { projection: { status: 1, hub_code: 1, fulfilments: 1, sla: 1 } },
      )
      .toArray();
    return docs
      .filter((d) => Array.isArray(d.fulfilments) && d.fulfilments.length > 1)
      .map((d) => {
        const slaParts = (d.sla as { parts?: { fulfilment_id: string; flags: string[] }[] } | null | undefined)?.parts ?? [];
        const parts = d.fulfilments as { fulfilment_id: string; hub_code: string; status: OrderStatus }[];
        return {
          status: d.status,
          hub_code: d.hub_code ?? null,
          parts: parts.map((f) => ({ hub_code: f.hub_code, status: f.status, sla_flags: slaParts.find((p) => p.fulfilment_id === f.fulfilment_id)?.flags ?? [] })),
        };
      });
  }

  /** Orders created in `range` up to `createdBefore` that are still in one of `statuses`. */
  async countCreatedBefore(scope: SellerScope, range: DateRange, createdBefore: Date, statuses: readonly OrderStatus[]): Promise<number> {
    const upper = new Date(Math.min(range.to.getTime(), createdBefore.getTime() - 1));
    if (upper < range.from) return 0;
    const rows = await this.orders
      .aggregate<{ n: number }>([
        { $match: { tenant_id: scope.tenantId, seller_id: scope.sellerId, status: { $in: [...statuses] }, created_at: { $gte: range.from, $lte: upper } } },
        { $count: 'n' },
      ])
      .toArray();
    return rows[0]?.n ?? 0;
  }
}
