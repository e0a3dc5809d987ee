import { EVENT_TYPES } from '../domain/events.js';
import { fulfilmentsOf, isSplit, type BookingState, type Fulfilment, type Order, type OrderStatus, type OutboxEvent, type TimelineEntry } from '../domain/order.js';
import { forwardRank } from '../domain/transitions.js';
import { AppError } from '../domain/errors.js';
import { tenantScope, type SellerScope, type TenantScope } from '../domain/tenant-scope.js';
import type { BookingRequest, CarrierConfig } from '../../external-service/courier/carrier.client.js';
import type { CarrierGateway } from '../../external-service/courier/carrier.gateway.js';
import type { ShipmentAttacher } from '../fulfillment/fulfillment.service.js';
import { updateOrderRetrying } from '../fulfillment/order-retry.js';
import { LEFT_HUB } from '../fulfillment/status-report.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { CourierSettings } from '../tenant/tenant.types.js';
import type { CourierBookingRepository } from './courier-booking.repository.js';
import { newBooking, toSummary, type BookingAttempt, type CourierBooking } from './courier-booking.types.js';

export interface CourierBookingConfig {
  /** How long one process holds a booking while it works on it (a crash frees it after this). */
  lease_ms: number;
  /** Back-off of the sweep's retries: base doubling per attempt, up to max. */
  retry_base_ms: number;
  retry_max_ms: number;
}

export interface CourierBookingDeps {
  repo: CourierBookingRepository;
  orders: OrderRepository;
  shipments: ShipmentAttacher;
  settings: (scope: TenantScope) => Promise<CourierSettings>;
  gateway: CarrierGateway;
  /** Relays the order's outbox after a write (the order relay). */
  afterWrite: (order: Order) => Promise<void>;
  clock: Clock;
  config: CourierBookingConfig;
  logger: Logger;
}

const BOOKABLE: readonly BookingState[] = ['requested', 'awaiting_courier'];

/**
 * The TMS side of the fulfilment saga: books a courier when a fulfilment reaches the tenant's
 * booking stage, and cancels the booking when the order is cancelled before pickup. Carrier
 * trouble never fails the caller: the booking waits in `awaiting_courier` (or `cancel_pending`)
 * and the sweep retries it with back-off. See docs/adr/0011.
 */
export class CourierBookingService {
  constructor(private readonly deps: CourierBookingDeps) {}

  /**
   * The order relay's follow-up: reaching the booking stage books, a cancel compensates. A split
   * order's parts are booked one by one, each on its own event (docs/adr/0020).
   */
  async onOrderEvent(order: Order, event: OutboxEvent): Promise<void> {
    if (event.type !== EVENT_TYPES.orderStatusChanged && event.type !== EVENT_TYPES.fulfilmentStatusChanged) return;
    const to = event.payload.to as OrderStatus;
    const scope = tenantScope(order.tenant_id);
    const settings = await this.deps.settings(scope);
    const carriers = allowedCarriers(settings).length;
    if (event.type === EVENT_TYPES.fulfilmentStatusChanged) {
      if (carriers > 0 && passed(event.payload.from as OrderStatus, to, settings.book_on)) await this.requestFor(scope, order, event.payload.fulfilment_id as string);
      return;
    }
    const skipped = (event.payload.skipped as string[] | undefined) ?? [];
    // Without carriers and without a booking there is nothing to book or undo (no store round trip).
    if (to === 'cancelled') return carriers > 0 || order.courier_booking || isSplit(order) ? this.cancelFor(scope, order.id) : undefined;
    if (carriers === 0) return;
    if (isSplit(order)) {
      // Parts start approved together; later stages come as each part's own event (above).
      if (to === 'approved' && settings.book_on === 'approved') for (const part of order.fulfilments ?? []) await this.requestFor(scope, order, part.fulfilment_id);
      return;
    }
    const reached = to === settings.book_on || (skipped.includes(settings.book_on) && !(LEFT_HUB as readonly string[]).includes(to));
    if (reached) await this.requestFor(scope, order);
  }

  /** Creates the fulfilment's booking (once) and makes the first attempt at once. A one-part order's fulfilment is the order. */
  async requestFor(scope: TenantScope, order: Order, fulfilmentId: string = order.id): Promise<CourierBooking> {
    const now = this.deps.clock.now();
    // Held by this attempt; if the process dies, the sweep takes it over after the lease.
    const { booking, created } = await this.deps.repo.insertOrGet(scope, newBooking(order, fulfilmentId, now, new Date(now.getTime() + this.deps.config.lease_ms)));
    // A second packed event (or a relay re-run) finds the booking: it is done or the sweep's.
    if (!created) return booking;
    return this.attemptBooking(scope, booking);
  }

  /** One periodic pass: retries due bookings and cancellations of every tenant. */
  async sweep(tenantIds: string[], limit = 100): Promise<number> {
    const now = this.deps.clock.now();
    let worked = 0;
    for (const tenantId of tenantIds) {
      const scope = tenantScope(tenantId);
      for (const due of await this.deps.repo.due(scope, now, limit)) {
        const claimed = await this.deps.repo.claim(scope, due.id, [due.state], now, this.deps.config.lease_ms);
        if (!claimed) continue;
        worked++;
        if (claimed.state === 'cancel_pending') await this.attemptCancel(scope, claimed);
        else await this.attemptBooking(scope, claimed);
      }
    }
    return worked;
  }

  async forOrder(scope: TenantScope, orderId: string): Promise<CourierBooking[]> {
    return this.deps.repo.forOrder(scope, orderId);
  }

  /** A seller's view: the order must be theirs (another seller's or tenant's is 404, as a missing one). */
  async listForOrder(scope: SellerScope, orderId: string): Promise<CourierBooking[]> {
    const order = await this.deps.orders.findById(scope, orderId);
    if (!order) throw AppError.notFound('order', orderId);
    return this.deps.repo.forOrder(scope, order.id);
  }

  /** Tries the allowed carriers in priority order; the first that books wins. */
  private async attemptBooking(scope: TenantScope, booking: CourierBooking): Promise<CourierBooking> {
    const { repo, gateway, clock } = this.deps;
    const order = await this.deps.orders.findInTenant(scope, booking.order_id);
    if (!order) return booking;
    if (order.status === 'cancelled') {
      const cancelled = await repo.move(scope, booking.id, BOOKABLE, 'cancelled', {}, []);
      if (cancelled) await this.noteOnOrder(scope, order, cancelled, 'courier_booking_cancelled', 'order cancelled before a courier was booked');
      return cancelled ?? booking;
    }
    const carriers = allowedCarriers(await this.deps.settings(scope));
    const history: BookingAttempt[] = [];
    for (const carrier of carriers) {
      if (gateway.isOpen(carrier)) {
        history.push({ carrier: carrier.name, at: clock.now(), outcome: 'skipped_open_breaker', error: 'circuit open' });
        continue;
      }
      try {
        const result = await gateway.book(carrier, bookingRequest(order, booking));
        history.push({ carrier: carrier.name, at: clock.now(), outcome: 'booked', error: null });
        const booked = await repo.move(
          scope,
          booking.id,
          BOOKABLE,
          'booked',
          { carrier: carrier.name, carrier_base_url: carrier.base_url, ...result, attempts: booking.attempts + 1, last_error: null },
          history,
        );
        if (!booked) return this.compensateLateBooking(scope, booking.id, carrier, result.awb);
        await this.attachToOrder(scope, order, booked);
        return booked;
      } catch (err) {
        history.push({ carrier: carrier.name, at: clock.now(), outcome: 'failed', error: errorText(err) });
      }
    }
    const attempts = booking.attempts + 1;
    const lastError = history.length ? history.map((h) => `${h.carrier}: ${h.error}`).join('; ') : 'no carrier allowed';
    const waiting = await repo.move(scope, booking.id, BOOKABLE, 'awaiting_courier', { attempts, last_error: lastError, next_attempt_at: this.nextAttempt(attempts) }, history);
    this.deps.logger.warn({ order_id: order.id, attempts, error: lastError }, 'no courier could be booked; the fulfilment waits in awaiting_courier');
    if (waiting && booking.state !== 'awaiting_courier') await this.noteOnOrder(scope, order, waiting, 'courier_awaiting', lastError);
    return waiting ?? booking;
  }

  /** The order was cancelled while a carrier was booking it: that booking must be cancelled too. */
  private async compensateLateBooking(scope: TenantScope, id: string, carrier: CarrierConfig, awb: string): Promise<CourierBooking> {
    const pending = await this.deps.repo.move(scope, id, ['cancelled'], 'cancel_pending', { carrier: carrier.name, carrier_base_url: carrier.base_url, awb, next_attempt_at: this.deps.clock.now() }, []);
    if (pending) return this.attemptCancel(scope, pending);
    return (await this.deps.repo.find(scope, id)) as CourierBooking;
  }

  /** Compensation: every booking of the order is cancelled (at the carrier when one was made). */
  private async cancelFor(scope: TenantScope, orderId: string): Promise<void> {
    for (let booking of await this.deps.repo.forOrder(scope, orderId)) {
      for (let round = 0; round < 3 && booking; round++) {
        if (BOOKABLE.includes(booking.state)) {
          // Not booked yet: nothing to undo at a carrier (an attempt in flight compensates itself).
          const cancelled = await this.deps.repo.move(scope, booking.id, BOOKABLE, 'cancelled', {}, []);
          if (cancelled) {
            const order = await this.deps.orders.findInTenant(scope, orderId);
            if (order) await this.noteOnOrder(scope, order, cancelled, 'courier_booking_cancelled', 'order cancelled before a courier was booked');
            break;
          }
        } else if (booking.state === 'booked') {
          const pending = await this.deps.repo.move(scope, booking.id, ['booked'], 'cancel_pending', { next_attempt_at: new Date(this.deps.clock.now().getTime() + this.deps.config.lease_ms) }, []);
          if (pending) {
            await this.attemptCancel(scope, pending);
            break;
          }
        } else {
          break; // cancel_pending (the sweep's) or cancelled
        }
        booking = (await this.deps.repo.find(scope, booking.id)) as CourierBooking;
      }
    }
  }

  private async attemptCancel(scope: TenantScope, booking: CourierBooking): Promise<CourierBooking> {
    const { repo, gateway, clock } = this.deps;
    const carrier: CarrierConfig = { name: booking.carrier ?? '', base_url: booking.carrier_base_url ?? '', priority: 0, enabled: true };
    let refusal: string | null = null;
    try {
      await gateway.cancel(carrier, booking.awb ?? '', booking.idempotency_key);
    } catch (err) {
      const text = errorText(err);
      // A refusal (4xx: unknown or already picked up) will not change by retrying: recorded, not retried.
      if (!(err instanceof Error && 'code' in err && err.code === 'conflict')) {
        const attempts = booking.attempts + 1;
        const again = await repo.move(scope, booking.id, ['cancel_pending'], 'cancel_pending', { attempts, last_error: text, next_attempt_at: this.nextAttempt(attempts) }, [
          { carrier: carrier.name, at: clock.now(), outcome: 'cancel_failed', error: text },
        ]);
        return again ?? booking;
      }
      refusal = text;
    }
    const done = await repo.move(scope, booking.id, ['cancel_pending'], 'cancelled', { last_error: refusal }, [
      { carrier: carrier.name, at: clock.now(), outcome: refusal ? 'cancel_failed' : 'cancelled', error: refusal },
    ]);
    const order = await this.deps.orders.findInTenant(scope, booking.order_id);
    if (done && order) await this.noteOnOrder(scope, order, done, 'courier_booking_cancelled', refusal ? `carrier refused the cancel: ${refusal}` : `booking ${booking.awb} cancelled with ${booking.carrier}`);
    return done ?? booking;
  }

  /**
   * Stores AWB, label, slot and carrier on the order (and its shipment), or on its part of a split
   * order. `shipment.created.v1` has one owner: the write that first points the order (or part)
   * at its shipment, here or in FulfillmentService; a booking for a shipment the order already
   * points at is a `shipment.updated.v1`.
   */
  private async attachToOrder(scope: TenantScope, order: Order, booking: CourierBooking): Promise<void> {
    const summary = toSummary(booking);
    const info = { awb: booking.awb as string, courier: booking.carrier as string, tracking_url: booking.tracking_url };
    const part = booking.fulfilment_id === order.id ? null : booking.fulfilment_id;
    // A part of a split order has its own shipment record (the courier webhook finds it by AWB).
    const ref = await this.deps.shipments.attachFromWms(order, info, part ?? undefined);
    const updated = await updateOrderRetrying(this.deps.orders, scope, order, (current) => {
      const shown = bookingShown(current, part);
      if (shown?.state === 'booked' && shown.awb === booking.awb) return null;
      const hadShipment = part ? !!partOf(current, part)?.shipment : !!current.shipment?.shipment_id;
      const set = part
        ? { fulfilments: withPart(current, part, (f) => ({ ...f, courier_booking: summary, shipment: f.shipment ?? ref })) }
        : { courier_booking: summary, ...(hadShipment ? {} : { shipment: ref }) };
      return {
        set,
        timeline: [entry('courier_booked', `${part ? `${part}: ` : ''}booked with ${booking.carrier}`, { ...summary, attempts: booking.attempts })],
        events: [{ type: hadShipment ? EVENT_TYPES.shipmentUpdated : EVENT_TYPES.shipmentCreated, data: { shipment: ref, booking: summary, ...(part ? { fulfilment_id: part } : {}) } }],
      };
    });
    await this.deps.afterWrite(updated);
    // Cancelled while we were booking (and after its cancel looked for bookings): undo it now.
    if (updated.status === 'cancelled') await this.cancelFor(scope, order.id);
  }

  /** Records a booking state change on the order's (or its part's) timeline (once per state). */
  private async noteOnOrder(scope: TenantScope, order: Order, booking: CourierBooking, kind: string, reason: string): Promise<void> {
    const summary = toSummary(booking);
    const part = booking.fulfilment_id === order.id ? null : booking.fulfilment_id;
    const updated = await updateOrderRetrying(this.deps.orders, scope, order, (current) =>
      bookingShown(current, part)?.state === booking.state
        ? null
        : {
            set: part ? { fulfilments: withPart(current, part, (f) => ({ ...f, courier_booking: summary })) } : { courier_booking: summary },
            timeline: [entry(kind, part ? `${part}: ${reason}` : reason, { ...summary })],
            ...(booking.state === 'cancelled' && booking.awb ? { events: [{ type: EVENT_TYPES.shipmentUpdated, data: { booking: summary, ...(part ? { fulfilment_id: part } : {}) } }] } : {}),
          },
    );
    await this.deps.afterWrite(updated);
  }

  private nextAttempt(attempts: number): Date {
    const { retry_base_ms, retry_max_ms } = this.deps.config;
    return new Date(this.deps.clock.now().getTime() + Math.min(retry_max_ms, retry_base_ms * 2 ** Math.max(0, attempts - 1)));
  }
}

/** The tenant's allow list in its order: enabled carriers by ascending priority (then name). */
export function allowedCarriers(settings: CourierSettings): CarrierConfig[] {
  return settings.carriers.filter((c) => c.enabled).sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

/** The part a booking is for: its lines and hub (a one-part order: the whole order at its hub). */
function bookingRequest(order: Order, booking: CourierBooking): BookingRequest {
  const part = fulfilmentsOf(order).find((f) => f.fulfilment_id === booking.fulfilment_id);
  const bySku = new Map<string, number>();
  for (const item of order.order_items) bySku.set(item.seller_sku_code, (bySku.get(item.seller_sku_code) ?? 0) + item.quantity);
  return {
    idempotency_key: booking.idempotency_key,
    tenant_id: order.tenant_id,
    order_id: order.id,
    fulfilment_id: booking.fulfilment_id,
    hub_code: part?.hub_code ?? order.hub_code,
    parcel: {
      items: part ? part.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) : [...bySku].map(([sku, quantity]) => ({ sku, quantity })),
      declared_value: order.payment.total,
      currency: order.payment.currency,
      cod_amount: order.payment.method === 'cod' ? order.payment.total : 0,
    },
    ship_to: {
      name: order.customer.name,
      phone: order.customer.phone,
      line1: order.shipping_address.line1,
      city: order.shipping_address.city,
      country: order.shipping_address.country,
      postal_code: order.shipping_address.postal_code,
    },
  };
}

/** Whether a part moving `from` -> `to` reached (or passed) the booking stage, and has not left its hub. */
function passed(from: OrderStatus, to: OrderStatus, bookOn: OrderStatus): boolean {
  return forwardRank(from) < forwardRank(bookOn) && forwardRank(to) >= forwardRank(bookOn) && !(LEFT_HUB as readonly string[]).includes(to);
}

function partOf(order: Order, fulfilmentId: string): Fulfilment | undefined {
  return order.fulfilments?.find((f) => f.fulfilment_id === fulfilmentId);
}

function withPart(order: Order, fulfilmentId: string, change: (f: Fulfilment) => Fulfilment): Fulfilment[] {
  return (order.fulfilments ?? []).map((f) => (f.fulfilment_id === fulfilmentId ? change(f) : f));
}

/** The booking the order shows: its own, or its part's. */
function bookingShown(order: Order, part: string | null): Order['courier_booking'] {
  return part ? partOf(order, part)?.courier_booking : order.courier_booking;
}

function entry(kind: string, reason: string, details: Record<string, unknown>): Omit<TimelineEntry, 'at'> {
  return { actor: 'system', kind, from: null, to: null, reason, details };
}

function errorText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`.slice(0, 500);
}
