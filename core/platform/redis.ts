import { Redis } from 'ioredis';
import type { Config } from '../../configs/config.js';
import { AppError } from '../domain/errors.js';

export async function connectRedis(config: Config['redis']): Promise<Redis> {
  const redis = new Redis(config.url, {
    keyPrefix: config.key_prefix,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Without a listener ioredis prints every reconnect failure to stderr; a lost Redis surfaces
  // as the commands that fail (and the readiness check) instead.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw AppError.unavailable(`Redis at ${config.url.replace(/\/\/[^@/]*@/, '//***@')}`, err);
  }
  return redis;
}
