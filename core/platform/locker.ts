import type { Redis } from 'ioredis';
import Redlock, { type Lock } from 'redlock';
import { AppError } from '../domain/errors.js';

export interface LockOptions {
  /**
   * How long to wait for a lock someone else holds before answering busy (default 0: at once).
   * Only acquiring is retried, never the work done under the lock.
   */
  waitMs?: number;
}

/** Pause between tries while waiting for a busy lock (redlock adds up to as much again at random). */
const WAIT_STEP_MS = 50;

/**
 * Short-lived exclusive locks on a resource (an order being edited, approved, cancelled or
 * re-hubbed). A second caller fails at once by default: the API answers 409 order_in_progress
 * and a queue message is retried later; callers for whom a short queue is kinder pass `waitMs`.
 * The lock is never the only guard: writes stay conditioned on the version they read, so an
 * expired lock cannot lose an update.
 */
export class Locker {
  private readonly redlock: Redlock;

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {
    this.redlock = new Redlock([redis], { retryCount: 0, retryDelay: WAIT_STEP_MS, retryJitter: WAIT_STEP_MS, driftFactor: 0.01, automaticExtensionThreshold: 500 });
    // redlock emits every failed vote; an unhandled 'error' event would crash the process.
    this.redlock.on('error', () => undefined);
  }

  async withLock<T>(resource: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const key = `lock:${resource}`;
    let lock: Lock;
    try {
      lock = await this.redlock.acquire([key], this.ttlMs, { retryCount: Math.ceil((options.waitMs ?? 0) / WAIT_STEP_MS) });
    } catch (err) {
      // redlock reports contention and an unreachable Redis alike; asking Redis tells them apart.
      const reachable = await this.redis.exists(key).then(
        () => true,
        () => false,
      );
      if (reachable) throw busy(resource);
      throw AppError.unavailable('Redis (locks)', err);
    }
    try {
      return await fn();
    } finally {
      await lock.release().catch(() => undefined); // expiry frees it anyway
    }
  }
}

function busy(resource: string): AppError {
  return new AppError('order_in_progress', 'another change to this order is in progress', { resource });
}

export function orderLockKey(tenantId: string, orderId: string): string {
  return `order:${tenantId}:${orderId}`;
}
