import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { Config } from '../../configs/config.js';
import { AppError } from '../domain/errors.js';

/**
 * ioredis publishes every command it writes (once, also when replayed after a reconnect) on this
 * diagnostics channel. The channel is process-wide, so the counter counts the commands of every
 * ioredis client in the process: the OMS has one per process.
 */
const COMMAND_STARTED = 'tracing:ioredis:command:start';

export async function connectRedis(config: Config['redis'], commands?: Counter<'command'>): Promise<Redis> {
  const redis = new Redis(config.url, {
    keyPrefix: config.key_prefix,
    lazyConnect: true,
    // Redis down must cost a request milliseconds, not seconds: a command fails at once while
    // the connection is down (answered 503 dependency_unavailable, or a fallback such as the
    // in-process rate limiter) instead of queueing through reconnect attempts (12 s measured in
    // test/graceful.test.ts with the offline queue on).
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Without a listener ioredis prints every reconnect failure to stderr; a lost Redis surfaces
  // as the commands that fail (and the readiness check) instead.
  redis.on('error', () => undefined);
  if (commands) {
    const count = (message: unknown) => commands.inc({ command: (message as { command: string }).command });
    subscribe(COMMAND_STARTED, count);
    redis.once('end', () => unsubscribe(COMMAND_STARTED, count));
  }
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw AppError.unavailable(`Redis at ${config.url.replace(/\/\/[^@/]*@/, '//***@')}`, err);
  }
  return redis;
}
