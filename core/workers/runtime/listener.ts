import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { ZodError } from 'zod';
import { AppError, toAppError } from '../../domain/errors.js';
import { zodFieldErrors } from '../../domain/validation.js';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Queues } from '../../platform/queues.js';
import type { Telemetry } from '../../platform/telemetry.js';
import { decodeMessage, type InboundMessage } from './message.js';
import { DeleteBatcher } from './delete-batcher.js';
import type { DependencyWatch } from './dependency-watch.js';
import { Slots } from './slots.js';

export interface HandlerContext {
  logger: Logger;
  requestId: string;
}

/** One message at a time, or the whole received batch at once (per-message outcomes). */
export type MessageHandler =
  | { kind: 'single'; handle(message: InboundMessage, ctx: HandlerContext): Promise<void> }
  | {
      kind: 'batch';
      /** Returns the failures by message id; messages not named succeeded. */
      handleBatch(messages: InboundMessage[], ctx: HandlerContext): Promise<Map<string, unknown>>;
    };

export interface ListenerOptions {
  /** Receive loops (the Go service's WorkerCount). */
  workerCount: number;
  /** Handler slots per loop (ConcurrencyPerWorker). */
  concurrencyPerWorker: number;
  visibilityTimeoutS: number;
  waitTimeSeconds?: number;
  fifo?: boolean;
  /** Back-off before a failed message is seen again: min(cap, base * 2^(receives-1)) seconds. */
  retryBaseDelayS?: number;
  retryMaxDelayS?: number;
}

export interface ListenerDeps {
  queues: Queues;
  logger: Logger;
  telemetry: Telemetry;
  metrics: Metrics;
  /** Pauses receiving while a store the handlers need is down (none: never paused). */
  dependencies?: DependencyWatch;
}

/**
 * A listener owns one queue: W receive loops, each long-polling up to min(10, free slots)
 * messages and running them in its C handler slots. A message is deleted only after its handler
 * succeeded. A retryable failure is left for redelivery (with back-off) and, after the queue's
 * maxReceiveCount, SQS moves it to the DLQ; a permanent failure is sent to the DLQ at once with
 * its reason and deleted. Handlers that outlive half the visibility timeout get it extended.
 */
export class Listener {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private queueUrl = '';
  private dlqUrl = '';
  private readonly deleter: DeleteBatcher;
  private stopped: Promise<void> = Promise.resolve();
  private markStopped: () => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly queueName: string,
    private readonly dlqName: string,
    private readonly handler: MessageHandler,
    private readonly options: ListenerOptions,
    private readonly deps: ListenerDeps,
  ) {
    this.deleter = new DeleteBatcher(deps.queues.sqs, () => this.queueUrl);
  }

  async start(): Promise<void> {
    this.queueUrl = await this.deps.queues.url(this.queueName);
    this.dlqUrl = await this.deps.queues.url(this.dlqName);
    // A stopped listener can be started again (fresh polls, fresh abort signal).
    this.abort = new AbortController();
    this.stopped = new Promise((r) => (this.markStopped = r));
    this.loops = [];
    this.running = true;
    for (let w = 0; w < this.options.workerCount; w++) this.loops.push(this.loop(w));
    this.deps.logger.info(
      { listener: this.name, queue: this.queueName, workers: this.options.workerCount, concurrency: this.options.concurrencyPerWorker },
      'listener started',
    );
  }

  /**
   * Stops polling, then waits for in-flight messages (up to `timeoutMs`). Open long polls are
   * let finish rather than cut: a cut poll may still be handed a message, which then stays
   * invisible for a whole visibility timeout; what a finishing poll brings is released at once.
   */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.markStopped();
    const deadline = Date.now() + timeoutMs;
    const cut = setTimeout(() => this.abort.abort(), Math.max(0, timeoutMs - 1000));
    await Promise.all(this.loops);
    clearTimeout(cut);
    const drained = Promise.allSettled([...this.inFlight]).then(() => true);
    const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), Math.max(0, deadline - Date.now())).unref());
    if (!(await Promise.race([drained, timedOut]))) {
      this.deps.logger.warn({ listener: this.name, in_flight: this.inFlight.size }, 'stopped with messages still in flight');
    }
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private async loop(worker: number): Promise<void> {
    const slots = new Slots(this.options.concurrencyPerWorker);
    while (this.running) {
      // Paused while a dependency is down; a stop does not wait for it to come back.
      if (this.deps.dependencies?.paused) await Promise.race([this.deps.dependencies.whenUp(), this.stopped]);
      if (!this.running) break;
      const free = await slots.waitForFree();
      if (!this.running) break;
      const max = this.options.fifo ? 1 : Math.min(10, this.handler.kind === 'batch' ? 10 : free);
      let messages: Message[];
      try {
        const res = await this.deps.queues.poller.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: max,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            VisibilityTimeout: this.options.visibilityTimeoutS,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = res.Messages ?? [];
        if (!this.running) {
          await this.release(messages);
          break;
        }
      } catch (err) {
        if (!this.running) break;
        this.deps.logger.error({ err, listener: this.name, worker }, 'receive failed; retrying');
        await sleep(1000);
        continue;
      }
      if (this.handler.kind === 'batch') {
        if (messages.length > 0) this.track(slots, () => this.runBatch(messages));
      } else {
        for (const message of messages) this.track(slots, () => this.runOne(message));
      }
    }
  }

  /** Hands messages received during shutdown straight back to the queue. */
  private async release(messages: Message[]): Promise<void> {
    await Promise.all(
      messages.map((m) =>
        this.deps.queues.sqs
          .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 }))
          .catch(() => undefined),
      ),
    );
  }

  private track(slots: Slots, work: () => Promise<void>): void {
    slots.take();
    const p = work()
      .catch((err) => this.deps.logger.error({ err, listener: this.name }, 'unexpected listener failure'))
      .finally(() => {
        slots.give();
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
  }

  private async runOne(message: Message): Promise<void> {
    let decoded: InboundMessage;
    try {
      decoded = decodeMessage(message);
    } catch (err) {
      await this.settle(message, toAppError(err), null);
      return;
    }
    const started = process.hrtime.bigint();
    const stopExtending = this.extendVisibility([message]);
    const logger = this.deps.logger.child({ listener: this.name, message_id: decoded.id, request_id: decoded.requestId });
    let failure: unknown = null;
    try {
      if (this.handler.kind !== 'single') throw new Error('unreachable');
      const handler = this.handler;
      await this.deps.telemetry.backgroundTransaction(this.name, 'sqs', () =>
        handler.handle(decoded, { logger, requestId: decoded.requestId }),
      );
    } catch (err) {
      failure = err;
    } finally {
      stopExtending();
    }
    this.deps.metrics.messageDuration.observe({ listener: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    await this.settle(message, failure, decoded);
  }

  private async runBatch(messages: Message[]): Promise<void> {
    const decoded: InboundMessage[] = [];
    for (const message of messages) {
      try {
        decoded.push(decodeMessage(message));
      } catch (err) {
        await this.settle(message, toAppError(err), null);
      }
    }
    if (decoded.length === 0 || this.handler.kind !== 'batch') return;
    const handler = this.handler;
    const stopExtending = this.extendVisibility(messages);
    const logger = this.deps.logger.child({ listener: this.name, batch: decoded.length });
    let failures: Map<string, unknown>;
    try {
      failures = await this.deps.telemetry.backgroundTransaction(this.name, 'sqs', () =>
        handler.handleBatch(decoded, { logger, requestId: decoded[0]?.requestId ?? '' }),
      );
    } catch (err) {
      failures = new Map(decoded.map((m) => [m.id, err]));
    } finally {
      stopExtending();
    }
    const byId = new Map(messages.map((m) => [m.MessageId ?? '', m]));
    await Promise.all(decoded.map((m) => this.settle(byId.get(m.id) as Message, failures.get(m.id) ?? null, m)));
  }

  /** Deletes on success, dead-letters a permanent failure, leaves a retryable one with back-off. */
  private async settle(message: Message, failure: unknown, decoded: InboundMessage | null): Promise<void> {
    const receiveCount = decoded?.receiveCount ?? Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    if (failure === null) {
      this.deps.metrics.messages.inc({ listener: this.name, outcome: 'ok' });
      await this.delete(message);
      return;
    }
    const err = failure instanceof ZodError ? AppError.validation(zodFieldErrors(failure)) : toAppError(failure);
    const logFields = { err, listener: this.name, message_id: message.MessageId, code: err.code, receive_count: receiveCount };
    this.deps.telemetry.noticeError(err, { listener: this.name, code: err.code, message_id: message.MessageId ?? '' });
    if (!err.retryable) {
      this.deps.logger.warn(logFields, 'permanent failure; dead-lettering');
      this.deps.metrics.messages.inc({ listener: this.name, outcome: 'dead_lettered' });
      await this.deadLetter(message, err, receiveCount);
      return;
    }
    this.deps.dependencies?.report(err);
    this.deps.logger.warn(logFields, 'retryable failure; leaving for redelivery');
    this.deps.metrics.messages.inc({ listener: this.name, outcome: 'retry' });
    // A dependency outage is waited out a whole visibility timeout at a time (it lasts seconds, and
    // the receives it would burn in short steps dead-letter a message that can succeed); anything
    // else retryable (a busy order lock: 10 s at most) backs off 2, 4, 8, 16 s, which outlasts it.
    const base = this.options.retryBaseDelayS ?? 2;
    const delay =
      err.code === 'dependency_unavailable'
        ? this.options.visibilityTimeoutS
        : Math.min(this.options.retryMaxDelayS ?? 60, base * 2 ** Math.max(0, receiveCount - 1));
    await this.deps.queues.sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: Math.round(delay) }))
      .catch(() => undefined); // the visibility timeout brings it back anyway
  }

  private async deadLetter(message: Message, err: AppError, receiveCount: number): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = { ...(message.MessageAttributes ?? {}) };
    const add = (name: string, value: string) => {
      attributes[name] = { DataType: 'String', StringValue: value.slice(0, 1000) || '-' };
    };
    add('error_code', err.code);
    add('error_message', err.message);
    if (Array.isArray(err.details) || Object.keys(err.details).length > 0) add('error_details', JSON.stringify(err.details));
    add('source_queue', this.queueName);
    add('receive_count', String(receiveCount));
    add('dead_lettered_at', new Date().toISOString());
    // SQS allows ten attributes; keep ours and the request id / compression flags first.
    const kept = Object.fromEntries(Object.entries(attributes).slice(-10));
    try {
      await this.deps.queues.sqs.send(new SendMessageCommand({ QueueUrl: this.dlqUrl, MessageBody: message.Body ?? '', MessageAttributes: kept }));
    } catch (sendErr) {
      // Not recorded: keep the message, it will be retried and reach the DLQ through the redrive policy.
      this.deps.logger.error({ err: sendErr, listener: this.name }, 'could not dead-letter; leaving message for redrive');
      return;
    }
    await this.delete(message);
  }

  private async delete(message: Message): Promise<void> {
    try {
      await this.deleter.delete(message.ReceiptHandle ?? '');
    } catch (err) {
      // The effect is done and idempotent: a redelivery will be a no-op.
      this.deps.logger.warn({ err, listener: this.name, message_id: message.MessageId }, 'delete failed');
    }
  }

  /** Extends visibility every half timeout while the handler runs; returns the stop function. */
  private extendVisibility(messages: Message[]): () => void {
    const timeout = this.options.visibilityTimeoutS;
    const timer = setInterval(() => {
      for (const m of messages) {
        this.deps.queues.sqs
          .send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: timeout }))
          .catch((err) => this.deps.logger.warn({ err, listener: this.name }, 'visibility extension failed'));
      }
    }, (timeout * 1000) / 2);
    timer.unref();
    return () => clearInterval(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
