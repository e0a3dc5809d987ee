import { orderLockKey, type Locker } from '../platform/locker.js';

export type OrderLock = <T>(tenantId: string, orderId: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The order's Redis lock, waited for briefly. WMS and courier reports about one order often
 * arrive together (a courier retrying, a WMS batch); making them queue for a few seconds is
 * kinder than bouncing them back with 409. The lock only spares wasted work: correctness rests on
 * the version-conditioned update, atomic on any MongoDB (the local one included: docs/adr/0005).
 * Still busy after `waitMs`: order_in_progress (retryable).
 */
export function orderLock(locker: Locker, waitMs = 5000): OrderLock {
  return (tenantId, orderId, fn) => locker.withLock(orderLockKey(tenantId, orderId), fn, { waitMs });
}
