import type { Redis } from 'ioredis';

/**
 * Redis pub/sub between the processes of one deployment: a change one process makes (a key
 * revoked) reaches every other at once, so their in-process caches can drop it, at no cost per
 * request. One subscriber connection per process, opened on the first subscription. A process
 * that missed a message (its connection dropped) relies on the short TTL of whatever it cached.
 */
export class RedisEvents {
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, ((message: string) => void)[]>();

  constructor(
    private readonly redis: Redis,
    /** Channels are not key-prefixed by ioredis: the deployment's key prefix keeps them apart. */
    private readonly prefix: string,
  ) {}

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const name = this.prefix + channel;
    if (!this.subscriber) {
      // Subscribing is queued until the new connection is up (the main client fails fast instead: redis.ts).
      this.subscriber = this.redis.duplicate({ enableOfflineQueue: true });
      this.subscriber.on('message', (from: string, message: string) => {
        for (const h of this.handlers.get(from) ?? []) h(message);
      });
      // A subscriber that lost its connection resubscribes by itself (ioredis autoResubscribe).
      this.subscriber.on('error', () => undefined);
    }
    const list = this.handlers.get(name) ?? [];
    if (list.length === 0) await this.subscriber.subscribe(name);
    this.handlers.set(name, [...list, handler]);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }

  close(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
