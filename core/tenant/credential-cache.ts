import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { RedisEvents } from '../platform/redis-events.js';

/** Marks a credential as changed: readers go to the store while it lives, and may not cache. */
const CHANGED = '!';
const MISSING = '-';

/** How long this process trusts what it read without asking Redis again (a missed change message's worst case). */
const LOCAL_TTL_MS = 5000;
const CHANGES = 'credential-changed';

/**
 * Credential records keyed by their hash: in this process for a few seconds, then in Redis
 * (shared by every process), then the store. A request with a warm credential costs no Redis
 * call at all; a change is published to every process, which drops its copy at once.
 * The Redis layer: a request on a cold credential costs one GET instead of a store read. A revocation or rotation writes a CHANGED marker over the
 * entry (a plain SET, so it wins over any entry); fills use SET NX, so a process that read the
 * store before the change cannot put the old record back. The marker outlives any entry, so the
 * change is seen at once, everywhere.
 */
export class CredentialCache<T> {
  private readonly local = new LRUCache<string, { value: T | null }>({ max: 50_000, ttl: LOCAL_TTL_MS });
  private readonly lookups = new Map<string, Promise<T | null>>();
  /** Id -> when this process last asked Redis in `once`. */
  private readonly askedOnce = new LRUCache<string, number>({ max: 50_000 });

  private constructor(
    private readonly redis: Redis,
    private readonly events: RedisEvents,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
  ) {}

  /** A cache that hears about changes made by any process (subscribed before it is used). */
  static async create<T>(redis: Redis, events: RedisEvents, namespace: string, ttlSeconds = 60): Promise<CredentialCache<T>> {
    const cache = new CredentialCache<T>(redis, events, namespace, ttlSeconds);
    await events.subscribe(`${CHANGES}:${namespace}`, (hash) => cache.local.delete(hash));
    return cache;
  }

  async get(hash: string, load: () => Promise<T | null>): Promise<T | null> {
    const mine = this.local.get(hash);
    if (mine) return mine.value;
    // Requests arriving while this process looks the credential up share the look-up.
    let pending = this.lookups.get(hash);
    if (!pending) {
      pending = this.fromShared(hash, load)
        .then((value) => {
          this.local.set(hash, { value });
          return value;
        })
        .finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, pending);
    }
    return pending;
  }

  private async fromShared(hash: string, load: () => Promise<T | null>): Promise<T | null> {
    const key = this.key(hash);
    let cached: string | null;
    try {
      cached = await this.redis.get(key);
    } catch {
      // Redis down: the store still answers, only slower.
      return load();
    }
    if (cached === MISSING) return null;
    if (cached && cached !== CHANGED) return JSON.parse(cached) as T;
    const value = await load();
    if (cached !== CHANGED) {
      // Unknown credentials are remembered briefly, so guessing keys does not read the store each time.
      await this.redis.set(key, value === null ? MISSING : JSON.stringify(value), 'EX', value === null ? 10 : this.ttlSeconds, 'NX').catch(() => undefined);
    }
    return value;
  }

  /** After the stored record changed (revoked, rotated, created). */
  async changed(hash: string): Promise<void> {
    this.local.delete(hash);
    await this.redis.set(this.key(hash), CHANGED, 'EX', this.ttlSeconds + 5);
    await this.events.publish(`${CHANGES}:${this.namespace}`, hash);
  }

  /**
   * True at most once per `seconds` per id across processes (throttles last-used writes). This
   * process asks Redis at most once per id in that window too: a hot credential costs no Redis
   * call per request.
   */
  async once(id: string, seconds: number): Promise<boolean> {
    const asked = this.askedOnce.get(id);
    if (asked !== undefined && Date.now() - asked < seconds * 1000) return false;
    this.askedOnce.set(id, Date.now());
    try {
      return (await this.redis.set(`${this.namespace}:once:${id}`, '1', 'EX', seconds, 'NX')) === 'OK';
    } catch {
      return false;
    }
  }

  private key(hash: string): string {
    return `${this.namespace}:${hash}`;
  }
}
