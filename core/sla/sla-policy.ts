import { isSplit, SLA_STAGES, type Order, type OrderSla, type OrderStatus, type PartSla, type SlaClock, type SlaStage, type TimelineEntry } from '../domain/order.js';
import type { SlaSettings, SlaWindows } from '../tenant/tenant.types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Statuses whose first reaching starts (and ends) each stage. */
const STAGE_START: Record<SlaStage, readonly OrderStatus[]> = {
  approve: [],
  ship: ['approved'],
  deliver: ['shipped'],
};
// A split order (docs/adr/0020) is past approval once partially shipped; its ship clock runs until every part shipped.
const PAST_APPROVE: readonly OrderStatus[] = ['approved', 'picking', 'picked', 'packing', 'packed', 'partially_shipped', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin'];
const PAST_SHIP: readonly OrderStatus[] = ['shipped', 'delivered', 'delivery_failed', 'returned_to_origin'];
const PAST_DELIVER: readonly OrderStatus[] = ['delivered', 'returned_to_origin'];
const STAGE_END: Record<SlaStage, readonly OrderStatus[]> = { approve: PAST_APPROVE, ship: PAST_SHIP, deliver: PAST_DELIVER };

/** Whether the tenant measures anything at all (no window: no clocks, no writes). */
export function slaEnabled(settings: SlaSettings): boolean {
  const any = (w: Partial<SlaWindows>) => w.approve_within_hours != null || w.ship_within_hours != null || w.deliver_within_hours != null;
  return any(settings) || settings.channels.some(any);
}

/** The windows for an order: its sales channel's where set, the tenant's otherwise. */
export function windowsFor(settings: SlaSettings, channel: string | null): SlaWindows {
  const own = settings.channels.find((c) => c.sales_channel === channel);
  return {
    approve_within_hours: own?.approve_within_hours ?? settings.approve_within_hours,
    ship_within_hours: own?.ship_within_hours ?? settings.ship_within_hours,
    deliver_within_hours: own?.deliver_within_hours ?? settings.deliver_within_hours,
  };
}

type HubRule = SlaSettings['hubs'][number];

/**
 * When a hub's ship clock really starts: an order approved after the hub's cut-off (HH:MM, UTC)
 * or on a day the hub does not work starts at the beginning of the hub's next working day.
 */
export function shipClockStart(approvedAt: Date, hub: HubRule | undefined): Date {
  if (!hub) return approvedAt;
  let start = approvedAt;
  if (hub.cutoff_time) {
    const [h, m] = hub.cutoff_time.split(':').map(Number) as [number, number];
    const cutoff = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), h, m);
    if (start.getTime() > cutoff) start = startOfNextDay(start);
  }
  return nextWorkingDay(start, hub.working_days);
}

/** A deadline that falls on a hub's day off moves to the same time of its next working day. */
export function onWorkingDay(due: Date, workingDays: number[] | null | undefined): Date {
  if (!workingDays || workingDays.length === 0) return due;
  let at = due;
  for (let i = 0; i < 7 && !workingDays.includes(at.getUTCDay()); i++) at = new Date(at.getTime() + DAY);
  return at;
}

function nextWorkingDay(at: Date, workingDays: number[] | null | undefined): Date {
  if (!workingDays || workingDays.length === 0) return at;
  let day = at;
  for (let i = 0; i < 7 && !workingDays.includes(day.getUTCDay()); i++) day = startOfNextDay(day);
  return day;
}

function startOfNextDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/** What a sweep records: a stage of the order, or of one part of a split order. */
export interface SlaRecord {
  stage: SlaStage;
  kind: 'sla_at_risk' | 'sla_breached';
  clock: SlaClock;
  /** The part whose clock it is (null: the order's own). */
  part: { fulfilment_id: string; hub_code: string } | null;
}

/**
 * The order's SLA clocks, derived from its own history (the first time it reached each stage,
 * from the timeline) and the tenant's policy, keeping what the sweep already recorded. Pure, so
 * any writer (the event follow-up, the sweep) computes the same clocks from the same order. A
 * split order's parts (docs/adr/0020) get their own ship and deliver clocks: ship from the
 * order's approval at the part's hub (its cut-off and working days), deliver from the part's
 * shipping, each stopped by the part's own progress.
 */
export function deriveSla(order: Order, settings: SlaSettings): OrderSla {
  const windows = windowsFor(settings, order.sales_channel?.name ?? null);
  const reached = (entry: TimelineEntry | undefined, statuses: readonly OrderStatus[], current: OrderStatus): Date | null => {
    if (entry) return new Date(entry.at);
    return statuses.includes(current) ? order.updated_at : null;
  };
  const firstReached = (statuses: readonly OrderStatus[]): Date | null =>
    reached(
      order.timeline.find((t) => t.kind === 'status_changed' && t.to !== null && statuses.includes(t.to)),
      statuses,
      order.status,
    );
  const cancelledAt = order.status === 'cancelled' ? firstReached(['cancelled']) : null;
  const approvedAt = firstReached(STAGE_START.ship);
  const clockOf = (stage: SlaStage, startedAt: Date | null, stoppedAt: Date | null, hubCode: string | null, previous: SlaClock | null | undefined): SlaClock | null => {
    const hours = windows[`${stage}_within_hours`];
    if (hours == null || !startedAt) return null;
    const hubRule = settings.hubs.find((h) => h.hub_code === hubCode);
    const from = stage === 'ship' ? shipClockStart(startedAt, hubRule) : startedAt;
    let due = new Date(from.getTime() + hours * HOUR);
    if (stage === 'ship') due = onWorkingDay(due, hubRule?.working_days);
    return {
      started_at: startedAt,
      due_at: due,
      at_risk_at: new Date(startedAt.getTime() + (due.getTime() - startedAt.getTime()) * settings.at_risk_ratio),
      at_risk_recorded_at: previous?.at_risk_recorded_at ?? null,
      breached_recorded_at: previous?.breached_recorded_at ?? null,
      stopped_at: stoppedAt,
    };
  };
  const clocks = {
    approve: clockOf('approve', order.created_at, firstReached(STAGE_END.approve) ?? cancelledAt, order.hub_code, order.sla?.approve),
    ship: clockOf('ship', approvedAt, firstReached(STAGE_END.ship) ?? cancelledAt, order.hub_code, order.sla?.ship),
    deliver: clockOf('deliver', firstReached(STAGE_START.deliver), firstReached(STAGE_END.deliver) ?? cancelledAt, order.hub_code, order.sla?.deliver),
  };
  const parts = isSplit(order)
    ? (order.fulfilments ?? []).map((part): PartSla => {
        const partReached = (statuses: readonly OrderStatus[]): Date | null =>
          reached(
            order.timeline.find((t) => t.kind === 'fulfilment_status_changed' && t.details?.fulfilment_id === part.fulfilment_id && t.to !== null && statuses.includes(t.to)),
            statuses,
            part.status,
          );
        const stoppedOr = (statuses: readonly OrderStatus[]) => partReached(statuses) ?? partReached(['cancelled']) ?? cancelledAt;
        const previous = order.sla?.parts?.find((p) => p.fulfilment_id === part.fulfilment_id);
        const own = {
          ship: clockOf('ship', approvedAt, stoppedOr(STAGE_END.ship), part.hub_code, previous?.ship),
          deliver: clockOf('deliver', partReached(STAGE_START.deliver), stoppedOr(STAGE_END.deliver), part.hub_code, previous?.deliver),
        };
        return { fulfilment_id: part.fulfilment_id, hub_code: part.hub_code, ...own, flags: flagsOf(own) };
      })
    : undefined;
  return { ...clocks, next_check_at: nextCheck(clocks, parts), flags: flagsOf(clocks), hub_code: order.hub_code, ...(parts ? { parts } : {}) };
}

/** What a sweep at `now` has to record: at most one at-risk and one breach per stage (and part), ever. */
export function dueRecords(sla: OrderSla, now: Date): SlaRecord[] {
  const out: SlaRecord[] = [];
  const judge = (clocks: Partial<Clocks>, part: SlaRecord['part']) => {
    for (const stage of SLA_STAGES) {
      const c = clocks[stage];
      if (!c) continue;
      if (!c.at_risk_recorded_at && !c.stopped_at && now >= c.at_risk_at) out.push({ stage, kind: 'sla_at_risk', clock: c, part });
      // A stage finished late is a breach even if no sweep saw it running late.
      const late = c.stopped_at ? c.stopped_at > c.due_at : now >= c.due_at;
      if (!c.breached_recorded_at && late && now >= c.due_at) out.push({ stage, kind: 'sla_breached', clock: c, part });
    }
  };
  judge(sla, null);
  for (const p of sla.parts ?? []) judge(p, { fulfilment_id: p.fulfilment_id, hub_code: p.hub_code });
  return out;
}

/** Marks `records` as recorded at `now` and recomputes the derived fields. */
export function withRecorded(sla: OrderSla, records: Pick<SlaRecord, 'stage' | 'kind' | 'part'>[], now: Date): OrderSla {
  const mark = <T extends Partial<Clocks>>(clocks: T, fulfilmentId: string | null): T => {
    const next = { ...clocks };
    for (const r of records) {
      if ((r.part?.fulfilment_id ?? null) !== fulfilmentId) continue;
      const c = next[r.stage];
      if (!c) continue;
      next[r.stage] = { ...c, ...(r.kind === 'sla_at_risk' ? { at_risk_recorded_at: now } : { breached_recorded_at: now }) };
    }
    return next;
  };
  const order = mark(sla, null);
  const parts = sla.parts?.map((p) => {
    const marked = mark(p, p.fulfilment_id);
    return { ...marked, flags: flagsOf(marked) };
  });
  const clocks = { approve: order.approve, ship: order.ship, deliver: order.deliver };
  return { ...order, next_check_at: nextCheck(clocks, parts), flags: flagsOf(clocks), ...(parts ? { parts } : {}) };
}

type Clocks = Pick<OrderSla, SlaStage>;

function nextCheck(clocks: Clocks, parts: PartSla[] | undefined): Date | null {
  let next: number | null = null;
  const consider = (t: Date) => (next = next === null ? t.getTime() : Math.min(next, t.getTime()));
  for (const c of [...Object.values(clocks), ...(parts ?? []).flatMap((p) => [p.ship, p.deliver])] as (SlaClock | null)[]) {
    if (!c) continue;
    if (!c.stopped_at && !c.at_risk_recorded_at) consider(c.at_risk_at);
    if (!c.breached_recorded_at && (!c.stopped_at || c.stopped_at > c.due_at)) consider(c.due_at);
  }
  return next === null ? null : new Date(next);
}

function flagsOf(clocks: Partial<Clocks>): string[] {
  const flags: string[] = [];
  for (const stage of SLA_STAGES) {
    const c = clocks[stage];
    if (c?.at_risk_recorded_at) flags.push(`${stage}:at_risk`);
    if (c?.breached_recorded_at) flags.push(`${stage}:breached`);
  }
  return flags;
}
