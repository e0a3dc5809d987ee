import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Redis } from 'ioredis';
import type { Config } from '../configs/config.js';
import { TABLES } from '../localstack/resources.js';
import { createDynamoClient, createSqsClient } from '../core/platform/aws.js';
import { IdempotencyLedger, Sequences, ensureTables } from '../core/platform/dynamo.js';
import { Locker } from '../core/platform/locker.js';
import type { Logger } from '../core/platform/logger.js';
import { Metrics } from '../core/platform/metrics.js';
import { connectMongo, type Mongo } from '../core/platform/mongo.js';
import { Queues, ensureQueues } from '../core/platform/queues.js';
import { connectRedis } from '../core/platform/redis.js';
import { WriteSerializer, isFerretDb, serializeWrites } from '../core/platform/write-serializer.js';
import { createTelemetry, type Telemetry } from '../core/platform/telemetry.js';
import { AppError } from '../core/domain/errors.js';
import { NoopPublisher, PusherPublisher, type RealtimePublisher } from '../external-service/pusher/pusher.client.js';

/** Connections and shared helpers every module is built from. */
export interface Platform {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  telemetry: Telemetry;
  mongo: Mongo;
  redis: Redis;
  queues: Queues;
  dynamo: DynamoDBClient;
  sequences: Sequences;
  ledger: IdempotencyLedger;
  locker: Locker;
  realtime: RealtimePublisher;
  close(): Promise<void>;
}

/** Connects every store (failing with a clear message naming the one that is unreachable). */
export async function connectPlatform(config: Config, logger: Logger, options: { metrics?: Metrics; ensureResources?: boolean } = {}): Promise<Platform> {
  const telemetry = await createTelemetry(config.newrelic, logger);
  const metrics = options.metrics ?? new Metrics();
  const [rawMongo, redis] = await Promise.all([connectMongo(config.mongodb, metrics.mongoCommands), connectRedis(config.redis, metrics.redisCommands)]);
  // FerretDB 1.x applies conditional updates non-atomically; serialize its writes (see write-serializer.ts).
  const mongo = (await isFerretDb(rawMongo.db)) ? { ...rawMongo, ferretdb: true, db: serializeWrites(rawMongo.db, new WriteSerializer(redis)) } : rawMongo;
  if (mongo !== rawMongo) logger.info('FerretDB detected: writes are serialized per tenant and collection');
  const sqs = createSqsClient(config.aws, metrics.awsCalls);
  const dynamo = createDynamoClient(config.aws, metrics.awsCalls);
  if (options.ensureResources ?? true) {
    try {
      await ensureQueues(sqs, { prefix: config.aws.sqs.queue_prefix, maxReceiveCount: config.aws.sqs.max_receive_count });
    } catch (err) {
      await Promise.allSettled([mongo.close(), redis.quit()]);
      throw AppError.unavailable(`SQS at ${config.aws.sqs.endpoint || 'AWS'}`, err);
    }
    try {
      await ensureTables(dynamo, config.aws.dynamodb.table_prefix);
    } catch (err) {
      await Promise.allSettled([mongo.close(), redis.quit()]);
      throw AppError.unavailable(`DynamoDB at ${config.aws.dynamodb.endpoint || 'AWS'}`, err);
    }
  }
  const tablePrefix = config.aws.dynamodb.table_prefix;
  return {
    config,
    logger,
    metrics,
    telemetry,
    mongo,
    redis,
    queues: new Queues(sqs, config.aws.sqs.queue_prefix),
    dynamo,
    sequences: new Sequences(dynamo, `${tablePrefix}${TABLES.sequences.name}`),
    ledger: new IdempotencyLedger(dynamo, `${tablePrefix}${TABLES.idempotency.name}`),
    locker: new Locker(redis, config.order.edit_lock_ttl_ms),
    realtime: config.pusher.enabled ? new PusherPublisher(config.pusher) : new NoopPublisher(),
    async close() {
      sqs.destroy();
      dynamo.destroy();
      await Promise.allSettled([mongo.close(), redis.quit()]);
    },
  };
}
