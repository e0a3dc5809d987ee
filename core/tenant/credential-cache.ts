import type { Redis } from 'ioredis';

/** Marks a credential as changed: readers go to the store while it lives, and may not cache. */
const CHANGED = '!';
const MISSING = '-';

/**
 * A Redis cache of credential records keyed by their hash, shared by every process, so a request
 * costs one GET instead of a store read. A revocation or rotation writes a CHANGED marker over the
 * entry (a plain SET, so it wins over any entry); fills use SET NX, so a process that read the
 * store before the change cannot put the old record back. The marker outlives any entry, so the
 * change is seen at once, everywhere.
 */
export class CredentialCache<T> {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly ttlSeconds = 60,
  ) {}

  async get(hash: string, load: () => Promise<T | null>): Promise<T | null> {
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
    await this.redis.set(this.key(hash), CHANGED, 'EX', this.ttlSeconds + 5);
  }

  /** True at most once per `seconds` per id across processes (throttles last-used writes). */
  async once(id: string, seconds: number): Promise<boolean> {
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
