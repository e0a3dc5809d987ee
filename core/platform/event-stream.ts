import { CreateTopicCommand, PublishBatchCommand, SubscribeCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SUBSCRIPTIONS, TOPICS, QUEUES } from '../../localstack/resources.js';
import { EVENT_SCHEMA_VERSION, type OutboundEvent } from '../domain/events.js';
import { encode } from './queues.js';

/** The outcome of publishing one event: sent, or refused with a reason SNS calls permanent or not. */
export type PublishResult = { event_id: string; ok: true } | { event_id: string; ok: false; permanent: boolean; reason: string };

/**
 * Where the OMS's events go (the `oms-events` topic). One result per event, in order: a batch
 * never fails as a whole for one bad event, so a caller can let the good ones go on.
 */
export interface EventPublisher {
  publish(events: OutboundEvent[]): Promise<PublishResult[]>;
}

/** SNS takes at most 10 entries and 256 KiB per PublishBatch (entries' bodies and attributes). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 250 * 1024;

/**
 * Publishes to the events topic with the attributes subscribers filter on: `event_type`,
 * `tenant_id`, `seller_id`, `schema_version`. The body is the envelope consumers read; with raw
 * delivery a subscribed queue receives exactly that body (gzip-flagged when large, as on SQS).
 */
export class SnsEventStream implements EventPublisher {
  private arn: Promise<string> | null = null;

  constructor(
    private readonly sns: SNSClient,
    private readonly topic: { arn: string; name: string },
    private readonly options: { refuseMarker: string } = { refuseMarker: '' },
  ) {}

  topicArn(): Promise<string> {
    if (this.topic.arn) return Promise.resolve(this.topic.arn);
    // CreateTopic is idempotent and answers the ARN: no account id needs configuring locally.
    this.arn ??= this.sns.send(new CreateTopicCommand({ Name: this.topic.name })).then((r) => r.TopicArn as string);
    this.arn.catch(() => (this.arn = null));
    return this.arn;
  }

  async publish(events: OutboundEvent[]): Promise<PublishResult[]> {
    const results = new Map<string, PublishResult>();
    const entries: { event: OutboundEvent; body: string; attributes: Record<string, MessageAttributeValue>; bytes: number }[] = [];
    for (const event of events) {
      const refused = this.refusedByHook(event);
      if (refused) {
        results.set(event.event_id, { event_id: event.event_id, ok: false, permanent: true, reason: refused });
        continue;
      }
      const { payload, attributes } = encode({ ...event, schema_version: EVENT_SCHEMA_VERSION });
      const all = { ...attributes, ...attributesOf(event) };
      entries.push({ event, body: payload, attributes: all, bytes: Buffer.byteLength(payload) + JSON.stringify(all).length });
    }
    let arn: string;
    try {
      arn = await this.topicArn();
    } catch (err) {
      return orderedResults(events, results, (e) => transient(e, `topic ${this.topic.name} unavailable: ${(err as Error).message}`));
    }
    for (const batch of batches(entries)) {
      try {
        const res = await this.sns.send(
          new PublishBatchCommand({
            TopicArn: arn,
            PublishBatchRequestEntries: batch.map((b, i) => ({ Id: String(i), Message: b.body, MessageAttributes: b.attributes })),
          }),
        );
        for (const ok of res.Successful ?? []) {
          const entry = batch[Number(ok.Id)];
          if (entry) results.set(entry.event.event_id, { event_id: entry.event.event_id, ok: true });
        }
        for (const failed of res.Failed ?? []) {
          const entry = batch[Number(failed.Id)];
          if (!entry) continue;
          // SenderFault: the request itself is wrong (too large, invalid), so sending it again cannot help.
          results.set(entry.event.event_id, { event_id: entry.event.event_id, ok: false, permanent: failed.SenderFault === true, reason: `${failed.Code}: ${failed.Message ?? ''}`.trim() });
        }
      } catch (err) {
        // A whole-call failure (network, throttling, an outage) says nothing about the events: retry them.
        for (const b of batch) results.set(b.event.event_id, transient(b.event, `SNS unavailable: ${(err as Error).name}: ${(err as Error).message}`));
      }
    }
    return orderedResults(events, results, (e) => transient(e, 'SNS answered nothing for this event'));
  }

  private refusedByHook(event: OutboundEvent): string | null {
    if (!this.options.refuseMarker) return null;
    const { order: _order, ...rest } = event.data;
    return JSON.stringify(rest).includes(this.options.refuseMarker) ? 'InvalidParameter: refused by the events.refuse_marker test hook' : null;
  }
}

function attributesOf(event: OutboundEvent): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {
    event_type: { DataType: 'String', StringValue: event.event },
    tenant_id: { DataType: 'String', StringValue: event.tenant_id },
    schema_version: { DataType: 'String', StringValue: EVENT_SCHEMA_VERSION },
  };
  if (event.seller_id) attributes.seller_id = { DataType: 'String', StringValue: event.seller_id };
  return attributes;
}

function transient(event: OutboundEvent, reason: string): PublishResult {
  return { event_id: event.event_id, ok: false, permanent: false, reason };
}

function orderedResults(events: OutboundEvent[], results: Map<string, PublishResult>, missing: (e: OutboundEvent) => PublishResult): PublishResult[] {
  return events.map((e) => results.get(e.event_id) ?? missing(e));
}

function* batches<T extends { bytes: number }>(entries: T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (batch.length > 0 && (batch.length === MAX_BATCH_ENTRIES || bytes + entry.bytes > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entry.bytes;
  }
  if (batch.length > 0) yield batch;
}

/**
 * Creates the topics of resources.json and subscribes our queues to them (raw delivery, filter
 * policy); safe to run again: CreateTopic and Subscribe answer what exists (the attributes are
 * those of resources.json, applied at subscribe time).
 */
export async function ensureTopics(sns: SNSClient, sqs: SQSClient, options: { prefix: string; eventsTopicArn: string }): Promise<void> {
  const arns = new Map<string, string>();
  for (const [key, def] of Object.entries(TOPICS)) {
    if (key === 'events' && options.eventsTopicArn) {
      arns.set(key, options.eventsTopicArn);
      continue;
    }
    const res = await sns.send(new CreateTopicCommand({ Name: `${options.prefix}${def.name}` }));
    arns.set(key, res.TopicArn as string);
  }
  for (const sub of Object.values(SUBSCRIPTIONS)) {
    const queueName = `${options.prefix}${QUEUES[sub.queue].name}`;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const attributes: Record<string, string> = { RawMessageDelivery: String(sub.rawMessageDelivery) };
    if (sub.filterPolicy) attributes.FilterPolicy = JSON.stringify(sub.filterPolicy);
    await sns.send(new SubscribeCommand({ TopicArn: arns.get(sub.topic), Protocol: 'sqs', Endpoint: attrs.Attributes?.QueueArn, Attributes: attributes, ReturnSubscriptionArn: true }));
  }
}
