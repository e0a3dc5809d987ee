import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QUEUES, dlqName, type QueueKey } from '../../localstack/resources.js';
import { AppError } from '../domain/errors.js';

/** Bodies above this are gzip-compressed and flagged with a `compression` attribute. */
const COMPRESS_ABOVE_BYTES = 200 * 1024;

export interface SendOptions {
  requestId?: string;
  delaySeconds?: number;
  /** Default: the body's `tenant_id` (see messageGroupId). */
  groupId?: string;
  deduplicationId?: string;
}

/**
 * `MessageGroupId` of a message: the tenant, so a standard queue on AWS acts as a fair queue and
 * favours tenants with few messages in flight over one tenant's flood (ADR 0016). Bodies without
 * a tenant (none today) are sent without a group. The local emulator accepts the field on standard
 * queues and ignores it; the bulk lane is what keeps floods apart there.
 */
export function messageGroupId(body: unknown, options: SendOptions = {}): string | undefined {
  if (options.groupId) return options.groupId;
  // A string body is a message sent again as it was (DLQ replay): its JSON still names the tenant.
  const value = typeof body === 'string' && body.startsWith('{') ? parseJson(body) : body;
  if (typeof value !== 'object' || value === null) return undefined;
  const tenantId = (value as { tenant_id?: unknown }).tenant_id;
  return typeof tenantId === 'string' && tenantId.length > 0 ? tenantId.slice(0, 128) : undefined;
}

/** Resolves queue names (with the configured prefix) to URLs once, and sends messages. */
export class Queues {
  private readonly urls = new Map<string, string>();

  /**
   * `poller`: the client the listeners' long polls use (by default `sqs`). A receive is sent with
   * an abort signal (a stop cuts its poll short), and a call with options makes the SDK drop the
   * client's cached middleware chains, so the polls get a client of their own and the sends and
   * deletes on `sqs` keep theirs.
   */
  constructor(
    readonly sqs: SQSClient,
    private readonly prefix: string,
    readonly poller: SQSClient = sqs,
  ) {}

  name(key: QueueKey): string {
    return `${this.prefix}${QUEUES[key].name}`;
  }

  dlqName(key: QueueKey): string {
    return dlqName(this.name(key));
  }

  async url(queueName: string): Promise<string> {
    const known = this.urls.get(queueName);
    if (known) return known;
    try {
      const res = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (!res.QueueUrl) throw new Error(`no URL for queue ${queueName}`);
      this.urls.set(queueName, res.QueueUrl);
      return res.QueueUrl;
    } catch (err) {
      throw AppError.unavailable(`SQS queue ${queueName}`, err);
    }
  }

  async send(key: QueueKey, body: unknown, options: SendOptions = {}): Promise<string> {
    return this.sendTo(this.name(key), body, options);
  }

  async sendTo(queueName: string, body: unknown, options: SendOptions = {}): Promise<string> {
    const url = await this.url(queueName);
    const { payload, attributes } = encode(body, options.requestId);
    try {
      const res = await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: payload,
          MessageAttributes: attributes,
          DelaySeconds: options.delaySeconds,
          MessageGroupId: messageGroupId(body, options),
          MessageDeduplicationId: options.deduplicationId,
        }),
      );
      return res.MessageId ?? '';
    } catch (err) {
      throw AppError.unavailable(`SQS queue ${queueName}`, err);
    }
  }

  /** Sends many bodies in batches of ten; throws if any entry failed (the caller retries them all). */
  async sendMany(key: QueueKey, bodies: unknown[], options: SendOptions = {}): Promise<void> {
    const queueName = this.name(key);
    const url = await this.url(queueName);
    for (let i = 0; i < bodies.length; i += 10) {
      const entries = bodies.slice(i, i + 10).map((body, n) => {
        const { payload, attributes } = encode(body, options.requestId);
        return { Id: String(n), MessageBody: payload, MessageAttributes: attributes, MessageGroupId: messageGroupId(body, options) };
      });
      let failed: number;
      try {
        const res = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        failed = res.Failed?.length ?? 0;
      } catch (err) {
        throw AppError.unavailable(`SQS queue ${queueName}`, err);
      }
      if (failed > 0) throw new AppError('dependency_unavailable', `${failed} messages were not accepted by ${queueName}`);
    }
  }

  async depth(queueName: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const url = await this.url(queueName);
    const res = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const a = res.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON body (gzip + base64 above COMPRESS_ABOVE_BYTES, flagged `compression`) and its request id attribute; SNS uses it too. */
export function encode(body: unknown, requestId?: string): { payload: string; attributes: Record<string, MessageAttributeValue> } {
  const json = typeof body === 'string' ? body : JSON.stringify(body);
  const attributes: Record<string, MessageAttributeValue> = {
    request_id: { DataType: 'String', StringValue: requestId ?? randomUUID() },
  };
  if (Buffer.byteLength(json) <= COMPRESS_ABOVE_BYTES) return { payload: json, attributes };
  attributes.compression = { DataType: 'String', StringValue: 'gzip' };
  return { payload: gzipSync(json).toString('base64'), attributes };
}

/** Creates every queue and its DLQ with a redrive policy; safe to run again (idempotent). */
export async function ensureQueues(
  sqs: SQSClient,
  options: { prefix: string; maxReceiveCount: number },
): Promise<void> {
  for (const def of Object.values(QUEUES)) {
    const name = `${options.prefix}${def.name}`;
    const fifo: Record<string, string> = def.fifo ? { FifoQueue: 'true' } : {};
    const dlqUrl = await createOrUpdateQueue(sqs, dlqName(name), { ...fifo, MessageRetentionPeriod: '1209600' });
    const dlqAttrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    await createOrUpdateQueue(sqs, name, {
      ...fifo,
      VisibilityTimeout: String(def.visibilityTimeoutS),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
        maxReceiveCount: options.maxReceiveCount,
      }),
    });
  }
}

/** CreateQueue refuses an existing queue whose attributes differ; then the attributes are updated. */
async function createOrUpdateQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  try {
    const res = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return res.QueueUrl as string;
  } catch (err) {
    if (!/QueueAlreadyExists|QueueNameExists/i.test((err as Error).name + (err as Error).message)) throw err;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const { FifoQueue: _fifo, ...mutable } = attributes;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: mutable }));
    return QueueUrl as string;
  }
}
