import type { ListenerName } from '../configs/config.js';
import RESOURCES from './resources.json' with { type: 'json' };

/**
 * The AWS resources of the OMS, defined once in resources.json: the embedded launcher, the
 * LocalStack init script (localstack/init/ready.d) and docker-compose, the worker runtime and the
 * tests all read that file.
 */
export interface QueueDefinition {
  /** Base name; the configured prefix is prepended at run time. */
  name: string;
  /** The listener that consumes it, or null for an outbound queue with no listener here. */
  listener: ListenerName | null;
  /** Long handlers extend this while they run. */
  visibilityTimeoutS: number;
  fifo: boolean;
}

export const QUEUES = RESOURCES.queues as Record<keyof typeof RESOURCES.queues, QueueDefinition>;

export type QueueKey = keyof typeof QUEUES;

export function dlqName(queueName: string): string {
  const suffix = RESOURCES.deadLetter.suffix;
  return queueName.endsWith('.fifo') ? `${queueName.slice(0, -5)}${suffix}.fifo` : `${queueName}${suffix}`;
}

export interface TableDefinition {
  name: string;
  hashKey: string;
}

/** DynamoDB: the idempotency ledger and the per-tenant sequences (order, invoice, return numbers). */
export const TABLES = RESOURCES.tables as Record<keyof typeof RESOURCES.tables, TableDefinition>;

export type TableKey = keyof typeof TABLES;

/** SNS topics (the configured queue prefix is prepended, like queues). */
export interface TopicDefinition {
  name: string;
}

export const TOPICS = RESOURCES.topics as Record<keyof typeof RESOURCES.topics, TopicDefinition>;

export type TopicKey = keyof typeof TOPICS;

/**
 * A queue of ours subscribed to a topic. Raw delivery hands the queue the published body as is
 * (the envelope its handler reads), with the message attributes. The filter policy is on the
 * message attributes (event_type, tenant_id, seller_id, schema_version).
 */
export interface SubscriptionDefinition {
  topic: TopicKey;
  queue: QueueKey;
  rawMessageDelivery: boolean;
  filterPolicy: Record<string, unknown> | null;
}

export const SUBSCRIPTIONS = RESOURCES.subscriptions as Record<string, SubscriptionDefinition>;
