import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { QUEUES, type QueueKey } from '../../localstack/resources.js';
import { AppError } from '../domain/errors.js';
import type { Queues } from '../platform/queues.js';
import { decodeMessage } from '../workers/runtime/message.js';
import { DLQ_ATTRIBUTES, failureOf, type DeadLetter, type QueueDepths, type RedriveReport, type RedriveRequest } from './dead-letter.types.js';

export type { DeadLetter, QueueDepths, RedriveReport, RedriveRequest } from './dead-letter.types.js';

/** While a scan holds messages it has seen (so the next receive brings new ones). */
const SCAN_HIDE_S = 60;

/**
 * The dead-letter queues, for operators (the `oms dlq` command and the internal API): depths,
 * the oldest messages with the reason the listener recorded (core/workers/runtime/listener.ts
 * sets error_code, error_message, error_details, source_queue, receive_count, dead_lettered_at),
 * one message in full, and redrive back to the source queue.
 *
 * SQS has no "peek": a scan receives messages, hides them while it looks further, and hands
 * every one it did not consume back at once (visibility 0). A redriven message is deleted from
 * the DLQ only after the source queue accepted it; if that delete fails the message exists twice,
 * which the at-least-once handlers absorb, and the report says so.
 */
export class DeadLetterService {
  constructor(private readonly queues: Queues) {}

  /** The queues with a DLQ, by source queue name (with the configured prefix). */
  queueNames(): string[] {
    return (Object.keys(QUEUES) as QueueKey[]).map((key) => this.queues.name(key));
  }

  /** Accepts the source queue's name (with or without prefix), its DLQ's name or its key (createOrder). */
  resolve(queue: string): { key: QueueKey; source: string; dlq: string } {
    for (const key of Object.keys(QUEUES) as QueueKey[]) {
      const source = this.queues.name(key);
      const dlq = this.queues.dlqName(key);
      if ([key, source, dlq, QUEUES[key].name, `${QUEUES[key].name}-dlq`].includes(queue)) return { key, source, dlq };
    }
    throw new AppError('not_found', `queue ${queue} not found`, { queue, known: this.queueNames() });
  }

  async depths(queue?: string): Promise<QueueDepths[]> {
    const names = queue ? [this.resolve(queue).source] : this.queueNames();
    return Promise.all(
      names.map(async (source) => {
        const { dlq } = this.resolve(source);
        const [q, d] = await Promise.all([this.depth(source), this.depth(dlq)]);
        return { queue: source, dlq, visible: q.visible, in_flight: q.inFlight, delayed: q.delayed, dlq_depth: d.visible + d.inFlight + d.delayed };
      }),
    );
  }

  /** Up to `limit` of the DLQ's oldest messages (by the time they were dead-lettered; of the first max(50, limit) scanned). */
  async oldest(queue: string, limit = 5): Promise<DeadLetter[]> {
    const { dlq } = this.resolve(queue);
    const seen = await this.scan(dlq, () => false, Math.max(50, limit));
    await this.release(dlq, seen);
    return seen
      .map((m) => toDeadLetter(m))
      .sort((a, b) => a.dead_lettered_at.localeCompare(b.dead_lettered_at))
      .slice(0, limit);
  }

  async show(queue: string, messageId: string): Promise<DeadLetter> {
    const { dlq } = this.resolve(queue);
    const seen = await this.scan(dlq, (m) => m.MessageId === messageId);
    await this.release(dlq, seen);
    const found = seen.find((m) => m.MessageId === messageId);
    if (!found) throw new AppError('not_found', `message ${messageId} not found in ${dlq}`, { queue: dlq, message_id: messageId });
    return toDeadLetter(found, true);
  }

  /**
   * Sends the chosen DLQ messages back to their source queue (body and the sender's attributes,
   * without the failure ones), each deleted from the DLQ once the send succeeded. `all` is bounded
   * by the DLQ's depth at the start, so a message that fails again meanwhile is not redriven twice.
   */
  async redrive(queue: string, request: RedriveRequest, onProgress?: (done: number, total: number) => void): Promise<RedriveReport> {
    const { source, dlq } = this.resolve(queue);
    const wanted = request.all ? null : new Set(request.messageIds ?? []);
    if (wanted && wanted.size === 0) throw AppError.validation([{ field: 'message_ids', message: 'name at least one message id, or all' }]);
    const start = await this.depth(dlq);
    const total = wanted ? wanted.size : start.visible + start.inFlight + start.delayed;
    const report: RedriveReport = { queue: source, dlq, dry_run: request.dryRun ?? false, redriven: [], failed: [], not_found: [] };
    const held: Message[] = [];
    const take = (m: Message) => (wanted ? wanted.has(m.MessageId ?? '') : true);
    let done = 0;
    onProgress?.(0, total);
    try {
      while (done < total) {
        const batch = await this.receive(dlq, Math.min(10, Math.max(1, total - done)));
        if (batch.length === 0) break;
        for (const message of batch) {
          if (!take(message) || done >= total) {
            held.push(message);
            continue;
          }
          done += 1;
          if (report.dry_run) {
            held.push(message);
            report.redriven.push(message.MessageId ?? '');
          } else {
            await this.moveBack(message, source, dlq, report, held);
          }
          wanted?.delete(message.MessageId ?? '');
          onProgress?.(done, total);
        }
        if (wanted && wanted.size === 0) break;
      }
    } finally {
      await this.release(dlq, held);
    }
    if (wanted) report.not_found.push(...wanted);
    return report;
  }

  private async moveBack(message: Message, source: string, dlq: string, report: RedriveReport, held: Message[]): Promise<void> {
    const id = message.MessageId ?? '';
    try {
      const url = await this.queues.url(source);
      await this.queues.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: message.Body ?? '', MessageAttributes: senderAttributes(message) }));
    } catch (err) {
      held.push(message); // stays in the DLQ, visible again at the end
      report.failed.push({ message_id: id, error: `send to ${source} failed: ${(err as Error).message}` });
      return;
    }
    try {
      await this.queues.sqs.send(new DeleteMessageCommand({ QueueUrl: await this.queues.url(dlq), ReceiptHandle: message.ReceiptHandle }));
      report.redriven.push(id);
    } catch (err) {
      report.failed.push({ message_id: id, error: `sent to ${source}, but the DLQ copy was not deleted (it may be redriven twice; handlers are idempotent): ${(err as Error).message}` });
    }
  }

  /** Receives until `stop` matches a message, the queue gives nothing more, or `max` were seen. */
  private async scan(queueName: string, stop: (m: Message) => boolean, max = 10_000): Promise<Message[]> {
    const seen: Message[] = [];
    while (seen.length < max) {
      const batch = await this.receive(queueName, 10);
      if (batch.length === 0) break;
      seen.push(...batch);
      if (batch.some(stop)) break;
    }
    return seen;
  }

  private async receive(queueName: string, max: number): Promise<Message[]> {
    const url = await this.queues.url(queueName);
    try {
      const res = await this.queues.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          VisibilityTimeout: SCAN_HIDE_S,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      return res.Messages ?? [];
    } catch (err) {
      throw AppError.unavailable(`SQS queue ${queueName}`, err);
    }
  }

  /** Makes held messages visible again at once (best effort: they come back after SCAN_HIDE_S anyway). */
  private async release(queueName: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const url = await this.queues.url(queueName);
    for (let i = 0; i < messages.length; i += 10) {
      const entries = messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }));
      await this.queues.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })).catch(() => undefined);
    }
  }

  private async depth(queueName: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
    try {
      return await this.queues.depth(queueName);
    } catch (err) {
      throw err instanceof AppError ? err : AppError.unavailable(`SQS queue ${queueName}`, err);
    }
  }
}

function toDeadLetter(message: Message, withBody = false): DeadLetter {
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) if (value.StringValue !== undefined) attrs[name] = value.StringValue;
  const sentAt = Number(message.Attributes?.SentTimestamp ?? 0);
  const letter: DeadLetter = {
    message_id: message.MessageId ?? '',
    ...failureOf(attrs),
    dead_lettered_at: attrs.dead_lettered_at ?? new Date(sentAt).toISOString(),
    attributes: attrs,
  };
  if (withBody) {
    try {
      letter.body = decodeMessage(message).body;
    } catch {
      letter.body = message.Body ?? ''; // unreadable bodies are why some messages are here
    }
  }
  return letter;
}

/** The attributes the original sender set (request id, compression), not the failure record. */
function senderAttributes(message: Message): Record<string, MessageAttributeValue> {
  return Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !DLQ_ATTRIBUTES.includes(name)));
}
