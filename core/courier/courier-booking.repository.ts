import type { Collection, Db } from 'mongodb';
import type { BookingState } from '../domain/order.js';
import type { TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import { OPEN_BOOKING_STATES, type BookingAttempt, type CourierBooking } from './courier-booking.types.js';

type BookingDoc = Omit<CourierBooking, 'id'> & { _id: string };

export const COURIER_BOOKING_INDEXES: IndexPlan = {
  courier_bookings: [
    { key: { tenant_id: 1, order_id: 1 }, name: 'tenant_order' },
    { key: { tenant_id: 1, state: 1, next_attempt_at: 1 }, name: 'tenant_state_next_attempt' },
  ],
};

/** The only code that touches `courier_bookings`; every change is conditioned on the state it read. */
export class CourierBookingRepository {
  private readonly bookings: Collection<BookingDoc>;

  constructor(db: Db) {
    this.bookings = db.collection('courier_bookings');
  }

  /** Inserts the booking, or answers the one that exists (a duplicate packed event finds it). */
  async insertOrGet(scope: TenantScope, booking: CourierBooking): Promise<{ booking: CourierBooking; created: boolean }> {
    const { id, ...rest } = booking;
    try {
      await this.bookings.insertOne({ _id: id, ...rest });
      return { booking, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.find(scope, id);
      if (!existing) throw err;
      return { booking: existing, created: false };
    }
  }

  async find(scope: TenantScope, id: string): Promise<CourierBooking | null> {
    const doc = await this.bookings.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  /**
   * Takes the booking for one attempt: only if it is still in `state` and due, and pushes its
   * next attempt `leaseMs` out so another process (or sweep) leaves it alone meanwhile.
   */
  async claim(scope: TenantScope, id: string, states: readonly BookingState[], now: Date, leaseMs: number): Promise<CourierBooking | null> {
    const doc = await this.bookings.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: id, state: { $in: [...states] }, next_attempt_at: { $lte: now } },
      { $set: { next_attempt_at: new Date(now.getTime() + leaseMs) } },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }

  /** Moves the booking from one of `from` to a new state with the given fields; null when it had moved on. */
  async move(
    scope: TenantScope,
    id: string,
    from: readonly BookingState[],
    to: BookingState,
    fields: Partial<Pick<CourierBooking, 'carrier' | 'carrier_base_url' | 'awb' | 'label_url' | 'tracking_url' | 'pickup_slot' | 'attempts' | 'last_error' | 'next_attempt_at'>>,
    history: BookingAttempt[],
  ): Promise<CourierBooking | null> {
    const doc = await this.bookings.findOneAndUpdate(
      { tenant_id: scope.tenantId, _id: id, state: { $in: [...from] } },
      { $set: { ...fields, state: to, updated_at: new Date() }, ...(history.length ? { $push: { history: { $each: history } } } : {}) },
      { returnDocument: 'after' },
    );
    return doc ? fromDoc(doc) : null;
  }

  /** Open bookings of a tenant whose next attempt is due (the sweep's work list). */
  async due(scope: TenantScope, now: Date, limit: number): Promise<CourierBooking[]> {
    const docs = await this.bookings
      .find({ tenant_id: scope.tenantId, state: { $in: [...OPEN_BOOKING_STATES] }, next_attempt_at: { $lte: now } })
      .limit(limit)
      .toArray();
    return docs.map(fromDoc);
  }

  async forOrder(scope: TenantScope, orderId: string): Promise<CourierBooking[]> {
    const docs = await this.bookings.find({ tenant_id: scope.tenantId, order_id: orderId }).toArray();
    return docs.map(fromDoc);
  }
}

function fromDoc({ _id, ...rest }: BookingDoc): CourierBooking {
  return { id: _id, ...rest };
}
