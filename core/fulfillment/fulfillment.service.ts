import { AppError } from '../domain/errors.js';
import { fulfilmentsOf, isSplit, type Fulfilment, type Order, type OrderStatus, type ShipmentRef, type TimelineEntry } from '../domain/order.js';
import { deriveOrderStatus } from '../domain/transitions.js';
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
  /**
   * The part the report is about (WMS messages and internal reports may name it). Without it, a
   * one-part order's only part; a split order's part is then found by `awb`, or the report is refused.
   */
  fulfilmentId?: string | null;
  /** The waybill the report came with (courier webhooks): identifies the part of a split order. */
  awb?: string | null;
  /** Reports that repeat the order's status are still recorded (courier scans on the way). */
  recordRepeats?: boolean;
  events?: EventSpec[];
  details?: Record<string, unknown>;
}

export type ReportOutcome = 'applied' | 'recorded' | 'duplicate' | 'stale';

/** Gives the WMS's waybill a shipment record (core/shipment) before the order points at it. */
export interface ShipmentAttacher {
  /** `fulfilmentId`: the part of a split order the waybill is for (its own shipment record). */
  attachFromWms(order: Order, info: { awb: string; courier: string; tracking_url: string | null }, fulfilmentId?: string): Promise<ShipmentRef>;
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
    if (isSplit(order)) return this.applyToPart(scope, order, partOf(order, report), report);
    // A one-part order's only part has the order's id (fulfilmentsOf); any other id names nothing.
    if (report.fulfilmentId && report.fulfilmentId !== order.id) throw unknownPart(order, report.fulfilmentId);
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

  /**
   * A report about one part of a split order: the part moves along the transition table as an
   * order would (skips, stale and repeated reports alike), and the order's status follows from
   * all its parts by deriveOrderStatus, in the same conditional update. Timeline entries and
   * events name the part.
   */
  private async applyToPart(scope: TenantScope, order: Order, part: Fulfilment, report: StatusReport): Promise<{ outcome: ReportOutcome; order: Order } | null> {
    const key = `${part.fulfilment_id}:${report.key}`;
    if (order.timeline.some((t) => t.details?.event_key === key)) return { outcome: 'duplicate', order };
    const decision = decideReport(part.status, report.to, report.actor);
    const details = { event_key: key, fulfilment_id: part.fulfilment_id, hub_code: part.hub_code, occurred_at: report.occurredAt.toISOString(), ...(report.details ?? {}) };
    const entry = (kind: string, reason: string | null): Omit<TimelineEntry, 'at'> => ({ actor: report.actor, kind, from: part.status, to: report.to, reason, details });
    if (decision.kind === 'same' && !report.recordRepeats) return { outcome: 'duplicate', order };
    if (decision.kind === 'same') {
      const updated = await this.orders.update(scope, order, { timeline: [entry(`${report.actor}_report`, part.fulfilment_id)], events: partEvents(report.events, part) });
      return updated && { outcome: 'recorded', order: updated };
    }
    if (decision.kind === 'stale') {
      const updated = await this.orders.update(scope, order, { timeline: [entry('stale_event', `${part.fulfilment_id}: reported ${report.to} after ${part.status}`)] });
      return updated && { outcome: 'stale', order: updated };
    }
    const shipment = report.to === 'shipped' && report.shipment && !part.shipment ? await this.shipments.attachFromWms(order, report.shipment, part.fulfilment_id) : null;
    const moved: Fulfilment = { ...part, status: report.to, ...(shipment ? { shipment } : {}) };
    const fulfilments = (order.fulfilments ?? []).map((f) => (f.fulfilment_id === part.fulfilment_id ? moved : f));
    const to = deriveOrderStatus(fulfilments.map((f) => f.status));
    const partEntry = entry('fulfilment_status_changed', `${part.fulfilment_id} at ${part.hub_code}: ${report.actor} reported ${report.to}`);
    const partEvent = { type: EVENT_TYPES.fulfilmentStatusChanged, data: { fulfilment_id: part.fulfilment_id, hub_code: part.hub_code, from: part.status, to: report.to, actor: report.actor } };
    const events = [partEvent, ...(shipment ? [{ type: EVENT_TYPES.shipmentCreated, data: { shipment, fulfilment_id: part.fulfilment_id } }] : []), ...partEvents(report.events, part)];
    // The first part to reach the order's main hub's shipment fills the order's `shipment` (kept for single-shipment readers).
    const set = { fulfilments, ...(shipment && !order.shipment ? { shipment } : {}) };
    const updated =
      to === order.status
        ? await this.orders.update(scope, order, { set, timeline: [partEntry], events })
        : await this.orders.transition(scope, order, { to, actor: report.actor, allowSkip: true, reason: `${part.fulfilment_id} ${report.to}`, set, timeline: [partEntry], events });
    return updated && { outcome: 'applied', order: updated };
  }
}

/** The part a report is about: named, or found by its waybill; a split order's report that names neither is refused. */
function partOf(order: Order, report: StatusReport): Fulfilment {
  const parts = order.fulfilments ?? [];
  if (report.fulfilmentId) {
    const named = parts.find((f) => f.fulfilment_id === report.fulfilmentId);
    if (!named) throw unknownPart(order, report.fulfilmentId);
    return named;
  }
  const byAwb = report.awb ? parts.find((f) => f.shipment?.awb === report.awb || f.courier_booking?.awb === report.awb) : undefined;
  if (byAwb) return byAwb;
  throw new AppError('bad_request', `order ${order.id} is split into ${parts.length} parts: the report must name its fulfilment_id`, {
    order_id: order.id,
    fulfilment_ids: parts.map((f) => f.fulfilment_id),
  });
}

/** A part named that the order does not have (404, listing the parts it has). */
export function unknownPart(order: Order, fulfilmentId: string): AppError {
  return new AppError('not_found', `fulfilment ${fulfilmentId} not found on order ${order.id}`, { order_id: order.id, fulfilment_id: fulfilmentId, fulfilment_ids: fulfilmentsOf(order).map((f) => f.fulfilment_id) });
}

function partEvents(events: EventSpec[] | undefined, part: Fulfilment): EventSpec[] {
  return (events ?? []).map((e) => ({ ...e, data: { ...(e.data ?? {}), fulfilment_id: part.fulfilment_id } }));
}
