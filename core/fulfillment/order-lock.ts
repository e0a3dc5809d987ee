import { isAppError } from '../domain/errors.js';
import { orderLockKey, type Locker } from '../platform/locker.js';

export type OrderLock = <T>(tenantId: string, orderId: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The order's Redis lock, waited for briefly. WMS and courier reports about one order often
 * arrive together (a courier retrying, a WMS batch); making them queue for a few hundred ms is
 * kinder than bouncing them back with 409. The lock only spares wasted work: correctness rests on
 * the version-conditioned update (made atomic on FerretDB by core/platform/write-serializer.ts).
 * Still busy after `waitMs`: order_in_progress (retryable).
 */
export function orderLock(locker: Locker, waitMs = 5000): OrderLock {
  return async (tenantId, orderId, fn) => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        return await locker.withLock(orderLockKey(tenantId, orderId), fn);
      } catch (err) {
        if (!isAppError(err) || err.code !== 'order_in_progress' || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 30 + Math.random() * 70));
      }
    }
  };
}
