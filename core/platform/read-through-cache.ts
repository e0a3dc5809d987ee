import { LRUCache } from 'lru-cache';

/**
 * A short-lived read-through cache on lru-cache's `fetch`: one store read per key and TTL, shared
 * by the callers that arrive while it runs; a failed read is not kept (the next caller reads
 * again); `delete` (this process changed the value) makes the next caller read afresh, while
 * callers already waiting on the dropped read still get its answer. Values may be null.
 */
export class ReadThroughCache<V> {
  private readonly lru: LRUCache<string, { value: V }>;

  constructor(
    private readonly load: (key: string) => Promise<V>,
    options: { ttlMs: number; max?: number },
  ) {
    this.lru = new LRUCache<string, { value: V }>({
      max: options.max ?? 10_000,
      ttl: options.ttlMs,
      allowStaleOnFetchAbort: true,
      fetchMethod: async (key) => ({ value: await load(key) }),
    });
  }

  async get(key: string): Promise<V> {
    const hit = await this.lru.fetch(key);
    // Dropped by `delete` while it was read (no stale value to fall back on): read once more.
    return hit ? hit.value : this.load(key);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }
}
