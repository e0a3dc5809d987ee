import { EVENT_TYPES } from '../domain/events.js';
import type { Order, OutboxEvent, TimelineEntry } from '../domain/order.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Clock } from '../platform/clock.js';
import type { SlaSettings } from '../tenant/tenant.types.js';
import { deriveSla, dueRecords, slaEnabled, withRecorded, type SlaRecord } from './sla-policy.js';

export interface SlaDeps {
  orders: OrderRepository;
  settings: (scope: TenantScope) => Promise<SlaSettings>;
  afterWrite: (order: Order) => Promise<void>;
  clock: Clock;
  batchSize: number;
}

const MAX_ATTEMPTS = 8;

/**
 * SLA clocks (docs/adr/0012): deadlines are (re)derived whenever the order's events are relayed
 * (created, every status change), stored on the order, and a periodic sweep records
 * `sla_at_risk` and `sla_breached` once per stage on the timeline, with their events.
 */
export class SlaService {
  constructor(private readonly deps: SlaDeps) {}

  /** Order relay follow-up: the order entered a stage (or was created): derive its clocks. */
  async onOrderEvent(order: Order, event: OutboxEvent): Promise<void> {
    // A part of a split order moves without the order's status changing: its clocks follow it.
    if (event.type !== EVENT_TYPES.orderCreated && event.type !== EVENT_TYPES.orderStatusChanged && event.type !== EVENT_TYPES.fulfilmentStatusChanged) return;
    const scope = tenantScope(order.tenant_id);
    const settings = await this.deps.settings(scope);
    if (!slaEnabled(settings) && !order.sla) return;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // The relayed copy may be older than the order: derive from the stored one.
      const current = await this.deps.orders.findInTenant(scope, order.id);
      if (!current) return;
      const sla = slaEnabled(settings) ? deriveSla(current, settings) : null;
      if (sameSla(current.sla ?? null, sla)) return;
      if (await this.deps.orders.setSla(scope, current, sla)) return;
    }
  }

  /** One pass at the clock's now over every tenant: returns how many records were written. */
  async sweep(tenantIds: string[]): Promise<number> {
    const now = this.deps.clock.now();
    let written = 0;
    for (const tenantId of tenantIds) {
      const scope = tenantScope(tenantId);
      const due = await this.deps.orders.slaDue(scope, now, this.deps.batchSize);
      if (due.length === 0) continue;
      const settings = await this.deps.settings(scope);
      for (const order of due) written += await this.recordDue(scope, order, settings, now);
    }
    return written;
  }

  private async recordDue(scope: TenantScope, order: Order, settings: SlaSettings, now: Date): Promise<number> {
    let current: Order | null = order;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && current; attempt++) {
      const hubCode = current.hub_code;
      // Re-derived so a policy change or a missed follow-up is healed before judging.
      const sla = slaEnabled(settings) ? deriveSla(current, settings) : null;
      const records = sla ? dueRecords(sla, now) : [];
      if (!sla || records.length === 0) {
        if (!sameSla(current.sla ?? null, sla)) await this.deps.orders.setSla(scope, current, sla);
        return 0;
      }
      // A part's record names the part and its hub; the order's names the order's hub.
      const about = (r: SlaRecord) => (r.part ? { fulfilment_id: r.part.fulfilment_id, hub_code: r.part.hub_code } : { hub_code: hubCode });
      const timeline: Omit<TimelineEntry, 'at'>[] = records.map((r) => ({
        actor: 'system',
        kind: r.kind,
        from: null,
        to: null,
        reason: `${r.part ? `${r.part.fulfilment_id} ` : ''}${r.stage} ${r.kind === 'sla_at_risk' ? 'at risk' : 'breached'}: due ${r.clock.due_at.toISOString()}`,
        details: { stage: r.stage, due_at: r.clock.due_at.toISOString(), started_at: r.clock.started_at.toISOString(), checked_at: now.toISOString(), ...about(r) },
      }));
      const events = records.map((r) => ({
        type: r.kind === 'sla_at_risk' ? EVENT_TYPES.orderSlaAtRisk : EVENT_TYPES.orderSlaBreached,
        data: { stage: r.stage, due_at: r.clock.due_at.toISOString(), started_at: r.clock.started_at.toISOString(), ...about(r) },
      }));
      const updated = await this.deps.orders.update(scope, current, { set: { sla: withRecorded(sla, records, now) }, timeline, events });
      if (updated) {
        await this.deps.afterWrite(updated);
        return records.length;
      }
      current = await this.deps.orders.findInTenant(scope, order.id);
    }
    return 0;
  }
}

function sameSla(a: Order['sla'] | null, b: Order['sla'] | null): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
