import { AppError } from '../domain/errors.js';
import type { Order, OrderStatus, ShipmentRef, TimelineEntry } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { EVENT_TYPES } from '../domain/events.js';
import type { EventSpec, OrderRepository } from '../order/order.repository.js';
import type { FulfillmentEffects } from './fulfillment-effects.js';
import type { OrderLock } from './order-lock.js';
import { decideReport } from './status-report.js';

/** A status reported by the WMS or a courier about one order. */
export interface StatusReport {
  to: OrderStatus;
  actor: 'wms' | 'courier';
  /** Identifies the report itself: the same report twice is applied once. */
  key: string;
  occurredAt: Date;
  /** The waybill reported with `shipped`; attached to the order with the move. */
  shipment?: { awb: string; courier: string; tracking_url: string | null };
  /** Reports that repeat the order's status are still recorded (courier scans on the way). */
  recordRepeats?: boolean;
  events?: EventSpec[];
  details?: Record<string, unknown>;
}

export type ReportOutcome = 'applied' | 'recorded' | 'duplicate' | 'stale';

/** Gives the WMS's waybill a shipment record (core/shipment) before the order points at it. */
export interface ShipmentAttacher {
  attachFromWms(order: Order, info: { awb: string; courier: string; tracking_url: string | null }): Promise<ShipmentRef>;
}

const MAX_ATTEMPTS = 8;

/**
 * Drives an order along the transition table from WMS and courier reports. Each report is one
 * conditional update of the order (status, timeline entry naming the report, outbox events), so a
 * forbidden move changes nothing and a lost race is re-read and re-decided.
 */
export class FulfillmentService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly shipments: ShipmentAttacher,
    private readonly effects: FulfillmentEffects,
    private readonly lock: OrderLock,
    /** Sends the outbox right away (the order relay); the relay's sweeper is the fallback. */
    private readonly afterWrite: (order: Order) => Promise<void> = async () => undefined,
  ) {}

  async report(scope: TenantScope, orderId: string, report: StatusReport, sellerId?: string): Promise<{ outcome: ReportOutcome; order: Order }> {
    return this.lock(scope.tenantId, orderId, () => this.reportLocked(scope, orderId, report, sellerId));
  }

  private async reportLocked(scope: TenantScope, orderId: string, report: StatusReport, sellerId?: string): Promise<{ outcome: ReportOutcome; order: Order }> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.orders.findInTenant(scope, orderId);
      if (!order || (sellerId !== undefined && order.seller_id !== sellerId)) throw AppError.notFound('order', orderId);
      const result = await this.applyOnce(scope, order, report);
      if (result) {
        if (result.outcome !== 'duplicate') await this.afterWrite(result.order);
        await this.effects.settle(result.order);
        return result;
      }
    }
    throw new AppError('version_conflict', `order ${orderId} kept changing; try again`, { order_id: orderId });
  }

  /** Re-runs the effects of the order's current stage (idempotent); used after shipment edits and by repair tools. */
  async settle(order: Order): Promise<void> {
    await this.effects.settle(order);
  }

  private async applyOnce(scope: TenantScope, order: Order, report: StatusReport): Promise<{ outcome: ReportOutcome; order: Order } | null> {
    if (order.timeline.some((t) => t.details?.event_key === report.key)) return { outcome: 'duplicate', order };
    const decision = decideReport(order.status, report.to, report.actor);
    const entry = (kind: string): Omit<TimelineEntry, 'at'> => ({
      actor: report.actor,
      kind,
      from: order.status,
      to: report.to,
      reason: null,
      details: { event_key: report.key, occurred_at: report.occurredAt.toISOString(), ...(report.details ?? {}) },
    });
    if (decision.kind === 'same' && !report.recordRepeats) return { outcome: 'duplicate', order };
    if (decision.kind === 'same') {
      const updated = await this.orders.update(scope, order, { timeline: [entry(`${report.actor}_report`)], events: report.events ?? [] });
      return updated && { outcome: 'recorded', order: updated };
    }
    if (decision.kind === 'stale') {
      // Recorded so the history is complete, but nothing moves and nobody is notified.
      const updated = await this.orders.update(scope, order, { timeline: [{ ...entry('stale_event'), reason: `reported ${report.to} after ${order.status}` }] });
      return updated && { outcome: 'stale', order: updated };
    }
    let shipment: ShipmentRef | undefined;
    if (report.to === 'shipped' && report.shipment && !order.shipment?.shipment_id) {
      shipment = await this.shipments.attachFromWms(order, report.shipment);
    }
    const updated = await this.orders.transition(scope, order, {
      to: report.to,
      actor: report.actor,
      allowSkip: true,
      reason: `${report.actor} reported ${report.to}`,
      ...(shipment ? { set: { shipment } } : {}),
      timeline: [entry(`${report.actor}_report`)],
      // The WMS's waybill becomes the order's first shipment here.
      events: [...(shipment ? [{ type: EVENT_TYPES.shipmentCreated, data: { shipment } }] : []), ...(report.events ?? [])],
    });
    return updated && { outcome: 'applied', order: updated };
  }
}
