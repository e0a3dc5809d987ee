import { AppError } from '../domain/errors.js';
import { ORDER_STATUSES, type OrderStatus } from '../domain/order.js';
import type { SellerScope } from '../domain/tenant-scope.js';
import type { BreakdownRow, DashboardRepository, DateRange } from './dashboard.repository.js';

/** Statuses in which an order has not left the hub yet: past its ship-by time, it is late. */
export const NOT_YET_SHIPPED: readonly OrderStatus[] = ['pending', 'on_hold', 'approved', 'picking', 'picked', 'packing', 'packed', 'partially_shipped'];

const DEFAULT_RANGE_DAYS = 30;

export interface Dashboard {
  range: { from: string; to: string };
  total: number;
  by_status: Record<string, number>;
  by_hub: Record<string, number>;
  by_sales_channel: Record<string, number>;
  on_hold_by_reason: Record<string, number>;
  /** Orders each rule fired on (core/rules), by rule name. */
  rule_firings: Record<string, number>;
  late: { count: number; ship_by_sla_hours: number; rule: string };
  /** SLA clocks (core/sla): orders flagged at risk / breached, per stage, hub and sales channel. */
  sla: SlaCounts;
  /** Fulfilments (docs/adr/0020): every routed order's parts (one for a single-hub order), by hub and status. */
  fulfilments: PartCounts;
}

export interface PartCounts {
  split_orders: number;
  parts: number;
  by_hub: Record<string, number>;
  by_status: Record<string, number>;
}

type StageCounts = Record<'approve' | 'ship' | 'deliver', number>;
type PartStageCounts = Record<'ship' | 'deliver', number>;
export interface SlaCounts {
  at_risk: StageCounts;
  breached: StageCounts;
  by_hub: Record<string, { at_risk: StageCounts; breached: StageCounts }>;
  by_sales_channel: Record<string, { at_risk: StageCounts; breached: StageCounts }>;
  /** The parts of split orders, each at its own hub (a one-part order is counted above only). */
  parts: { at_risk: PartStageCounts; breached: PartStageCounts; by_hub: Record<string, { at_risk: PartStageCounts; breached: PartStageCounts }> };
}

type SplitRow = Awaited<ReturnType<DashboardRepository['splitOrders']>>[number];

/**
 * A seller's dashboard over a creation-date range. Ship-by is `created_at + SLA hours` (the
 * OMS keeps no per-order promise date yet); an order not yet shipped past it counts as late.
 * Orders without a hub count under "unassigned", without a sales channel under "direct".
 */
export class DashboardService {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly options: { shipBySlaHours: number },
  ) {}

  async dashboard(scope: SellerScope, query: { from?: Date; to?: Date; sla_hours?: number }, now = new Date()): Promise<Dashboard> {
    const range = resolveRange(query, now);
    const slaHours = query.sla_hours ?? this.options.shipBySlaHours;
    const shipByCutoff = new Date(now.getTime() - slaHours * 3_600_000);
    const [rows, late, ruleFirings, slaRows, splits] = await Promise.all([
      this.repo.breakdown(scope, range),
      this.repo.countCreatedBefore(scope, range, shipByCutoff, NOT_YET_SHIPPED),
      this.repo.ruleFirings(scope, range),
      this.repo.slaFlags(scope, range),
      this.repo.splitOrders(scope, range),
    ]);
    return {
      range: { from: range.from.toISOString(), to: range.to.toISOString() },
      ...summarize(rows),
      rule_firings: ruleFirings,
      late: { count: late, ship_by_sla_hours: slaHours, rule: 'created_at + ship_by_sla_hours, status not yet shipped' },
      sla: { ...slaCounts(slaRows), parts: partSlaCounts(splits) },
      fulfilments: partCounts(rows, splits),
    };
  }
}

/**
 * Parts by hub and status: a routed single-hub order is one part (its hub, its status); a split
 * order counts its parts instead of itself. Orders not routed yet (pending, on hold, or cancelled
 * without a hub) have none.
 */
export function partCounts(rows: BreakdownRow[], splits: SplitRow[]): PartCounts {
  const out: PartCounts = { split_orders: splits.length, parts: 0, by_hub: {}, by_status: {} };
  const count = (hub: string, status: string, n: number) => {
    out.parts += n;
    add(out.by_hub, hub, n);
    add(out.by_status, status, n);
  };
  for (const row of rows) if (row.hub_code && row.status !== 'pending' && row.status !== 'on_hold') count(row.hub_code, row.status, row.count);
  for (const split of splits) {
    if (split.hub_code) count(split.hub_code, split.status, -1);
    for (const part of split.parts) count(part.hub_code, part.status, 1);
  }
  for (const counts of [out.by_hub, out.by_status]) for (const [k, n] of Object.entries(counts)) if (n === 0) delete counts[k];
  return out;
}

export function resolveRange(query: { from?: Date; to?: Date }, now: Date): DateRange {
  const to = query.to ?? now;
  const from = query.from ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * 86_400_000);
  if (from > to) throw AppError.validation([{ field: 'query.from', message: 'must not be after to' }]);
  return { from, to };
}

/** Folds the breakdown cells into the dashboard's counters; every status is present, zero or not. */
export function summarize(rows: BreakdownRow[]): Omit<Dashboard, 'range' | 'late' | 'rule_firings' | 'sla' | 'fulfilments'> {
  const byStatus: Record<string, number> = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0]));
  const byHub: Record<string, number> = {};
  const byChannel: Record<string, number> = {};
  const onHold: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    total += row.count;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
    add(byHub, row.hub_code ?? 'unassigned', row.count);
    add(byChannel, row.sales_channel ?? 'direct', row.count);
    if (row.status === 'on_hold') add(onHold, row.hold_reason ?? 'unspecified', row.count);
  }
  return { total, by_status: byStatus, by_hub: byHub, by_sales_channel: byChannel, on_hold_by_reason: onHold };
}

function add(counts: Record<string, number>, key: string, n: number): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** Split orders' part flags (`ship|deliver:{at_risk|breached}`), counted per part at the part's hub. */
export function partSlaCounts(splits: SplitRow[]): SlaCounts['parts'] {
  const zero = (): PartStageCounts => ({ ship: 0, deliver: 0 });
  const out: SlaCounts['parts'] = { at_risk: zero(), breached: zero(), by_hub: {} };
  for (const part of splits.flatMap((s) => s.parts)) {
    for (const flag of part.sla_flags) {
      const [stage, kind] = flag.split(':') as [keyof PartStageCounts, 'at_risk' | 'breached'];
      if (!(stage in out.at_risk) || (kind !== 'at_risk' && kind !== 'breached')) continue;
      out[kind][stage] += 1;
      (out.by_hub[part.hub_code] ??= { at_risk: zero(), breached: zero() })[kind][stage] += 1;
    }
  }
  return out;
}

/** Folds SLA flag rows (`{stage}:{at_risk|breached}` per hub and channel) into the dashboard's counts. */
export function slaCounts(rows: { flag: string; hub_code: string | null; sales_channel: string | null; count: number }[]): Omit<SlaCounts, 'parts'> {
  const zero = (): StageCounts => ({ approve: 0, ship: 0, deliver: 0 });
  const pair = () => ({ at_risk: zero(), breached: zero() });
  const out: Omit<SlaCounts, 'parts'> = { at_risk: zero(), breached: zero(), by_hub: {}, by_sales_channel: {} };
  for (const row of rows) {
    const [stage, kind] = row.flag.split(':') as [keyof StageCounts, 'at_risk' | 'breached'];
    if (!(stage in out.at_risk) || (kind !== 'at_risk' && kind !== 'breached')) continue;
    out[kind][stage] += row.count;
    (out.by_hub[row.hub_code ?? 'unassigned'] ??= pair())[kind][stage] += row.count;
    (out.by_sales_channel[row.sales_channel ?? 'direct'] ??= pair())[kind][stage] += row.count;
  }
  return out;
}
