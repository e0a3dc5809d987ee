import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Redis } from 'ioredis';
import type { Config } from '../../configs/config.js';
import { TABLES, TOPICS } from '../../localstack/resources.js';
import { createDynamoClient, createSnsClient, createSqsClient } from './aws.js';
import { SnsEventStream, ensureTopics, type EventPublisher } from './event-stream.js';
import { Sequences, ensureTables } from './dynamo.js';
import { Locker } from './locker.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { connectMongo, type Mongo } from './mongo.js';
import { Queues, ensureQueues } from './queues.js';
import { connectRedis } from './redis.js';
import { RedisEvents } from './redis-events.js';
import { createTelemetry, type Telemetry } from './telemetry.js';
import { PriorityGate } from './priority-gate.js';
import { AppError } from '../domain/errors.js';
import { NoopPublisher, PusherPublisher, type RealtimePublisher } from '../../external-service/pusher/pusher.client.js';

/** Connections and shared helpers every module is built from. */
export interface Platform {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  telemetry: Telemetry;
  mongo: Mongo;
  redis: Redis;
  queues: Queues;
  /** The `oms-events` topic every outgoing event is published to. */
  eventStream: EventPublisher;
  dynamo: DynamoDBClient;
  sequences: Sequences;
  locker: Locker;
  /** Pub/sub between this deployment's processes (cache invalidation). */
  events: RedisEvents;
  realtime: RealtimePublisher;
  /** Interactive work before bulk work in this process (ADR 0016 amendment). */
  priority: PriorityGate;
  close(): Promise<void>;
}

/** Connects every store (failing with a clear message naming the one that is unreachable). */
export async function connectPlatform(config: Config, logger: Logger, options: { metrics?: Metrics; ensureResources?: boolean } = {}): Promise<Platform> {
  const telemetry = await createTelemetry(config.newrelic, logger);
  const metrics = options.metrics ?? new Metrics();
  const [mongoResult, redisResult] = await Promise.allSettled([connectMongo(config.mongodb, metrics.mongoCommands), connectRedis(config.redis, metrics.redisCommands)]);
  if (mongoResult.status === 'rejected' || redisResult.status === 'rejected') {
    // Close the one that did connect, or its open socket keeps a failing process alive.
    if (mongoResult.status === 'fulfilled') await mongoResult.value.close().catch(() => undefined);
    if (redisResult.status === 'fulfilled') redisResult.value.disconnect();
    throw mongoResult.status === 'rejected' ? mongoResult.reason : (redisResult as PromiseRejectedResult).reason;
  }
  const [mongo, redis] = [mongoResult.value, redisResult.value];
  const sqs = createSqsClient(config.aws, metrics.awsCalls);
  const poller = createSqsClient(config.aws, metrics.awsCalls);
  const sns = createSnsClient(config.aws, metrics.awsCalls);
  const dynamo = createDynamoClient(config.aws, metrics.awsCalls);
  if (options.ensureResources ?? true) {
    try {
      await ensureQueues(sqs, { prefix: config.aws.sqs.queue_prefix, maxReceiveCount: config.aws.sqs.max_receive_count });
    } catch (err) {
      await Promise.allSettled([mongo.close(), redis.quit()]);
      throw AppError.unavailable(`SQS at ${config.aws.sqs.endpoint || 'AWS'}`, err);
    }
    try {
      await ensureTopics(sns, sqs, { prefix: config.aws.sqs.queue_prefix, eventsTopicArn: config.aws.sns.events_topic_arn });
    } catch (err) {
      await Promise.allSettled([mongo.close(), redis.quit()]);
      throw AppError.unavailable(`SNS at ${config.aws.sns.endpoint || config.aws.sqs.endpoint || 'AWS'}`, err);
    }
    try {
      await ensureTables(dynamo, config.aws.dynamodb.table_prefix);
    } catch (err) {
      await Promise.allSettled([mongo.close(), redis.quit()]);
      throw AppError.unavailable(`DynamoDB at ${config.aws.dynamodb.endpoint || 'AWS'}`, err);
    }
  }
  const tablePrefix = config.aws.dynamodb.table_prefix;
  const events = new RedisEvents(redis, config.redis.key_prefix);
  return {
    config,
    logger,
    metrics,
    telemetry,
    mongo,
    redis,
    queues: new Queues(sqs, config.aws.sqs.queue_prefix, poller),
    eventStream: new SnsEventStream(sns, { arn: config.aws.sns.events_topic_arn, name: `${config.aws.sqs.queue_prefix}${TOPICS.events.name}` }, { refuseMarker: config.events.refuse_marker }),
    dynamo,
    sequences: new Sequences(dynamo, `${tablePrefix}${TABLES.sequences.name}`),
    locker: new Locker(redis, config.order.edit_lock_ttl_ms),
    events,
    realtime: config.pusher.enabled ? new PusherPublisher(config.pusher) : new NoopPublisher(),
    priority: new PriorityGate({ enabled: config.priority.enabled, lingerMs: config.priority.linger_ms, bulkIntervalMs: config.priority.bulk_interval_ms }, metrics),
    async close() {
      events.close();
      sqs.destroy();
      poller.destroy();
      sns.destroy();
      dynamo.destroy();
      await Promise.allSettled([mongo.close(), redis.quit()]);
    },
  };
}
