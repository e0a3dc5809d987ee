import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { getStack } from '../../../test/support/stack.js';
import { eventually } from '../../../test/support/api.js';
import { AppError } from '../../domain/errors.js';
import { createLogger } from '../../platform/logger.js';
import { Metrics } from '../../platform/metrics.js';
import { LocalTelemetry } from '../../platform/telemetry.js';
import { Listener, type ListenerOptions, type MessageHandler } from './listener.js';

/** The worker runtime against the real SQS emulator, on queues of each test's own. */
describe('worker runtime (SQS listener)', () => {
  let n = 0;
  const listeners: Listener[] = [];

  async function queuePair(opts: { visibilityS: number; maxReceives: number }) {
    const { oms, runId } = getStack();
    const sqs = oms.container.platform.queues.sqs;
    const name = `rt-${runId}-${++n}`;
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: String(opts.visibilityS), RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: opts.maxReceives }) },
      }),
    );
    return { name, url: q.QueueUrl as string, dlqName: `${name}-dlq`, dlqUrl: dlq.QueueUrl as string };
  }

  function listen(q: { name: string; dlqName: string }, handler: MessageHandler, options: Partial<ListenerOptions> = {}) {
    const { oms, config } = getStack();
    const telemetry = new LocalTelemetry(createLogger(config));
    const listener = new Listener(
      'test',
      q.name,
      q.dlqName,
      handler,
      { workerCount: 1, concurrencyPerWorker: 1, visibilityTimeoutS: 5, waitTimeSeconds: 1, retryBaseDelayS: 0, ...options },
      { queues: oms.container.platform.queues, logger: createLogger(config), telemetry, metrics: new Metrics(false) },
    );
    listeners.push(listener);
    return { listener, telemetry };
  }

  async function send(url: string, body: string, attributes: Record<string, string> = {}) {
    await getStack().oms.container.platform.queues.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: body,
        MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
      }),
    );
  }

  async function drain(url: string): Promise<Message[]> {
    const res = await getStack().oms.container.platform.queues.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    return res.Messages ?? [];
  }

  async function depth(url: string) {
    const res = await getStack().oms.container.platform.queues.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.stop(5000)));
  });

  it('retries a retryable failure and lets the redrive policy dead-letter it after N receives', async () => {
    const q = await queuePair({ visibilityS: 1, maxReceives: 3 });
    let calls = 0;
    const { listener } = listen(q, {
      kind: 'single',
      handle: async () => {
        calls += 1;
        throw AppError.unavailable('downstream', new Error('boom'));
      },
    });
    await listener.start();
    await send(q.url, JSON.stringify({ event: 'x' }));
    const dead = await eventually('message in the DLQ', async () => {
      const m = await drain(q.dlqUrl);
      return m.length > 0 ? m : null;
    });
    assert.equal(calls, 3);
    assert.equal(JSON.parse(dead[0]!.Body!).event, 'x');
    assert.equal(await depth(q.url), 0);
  });

  it('dead-letters a permanent failure at once, with its reason, and deletes it', async () => {
    const q = await queuePair({ visibilityS: 5, maxReceives: 5 });
    let calls = 0;
    const { listener, telemetry } = listen(q, {
      kind: 'single',
      handle: async () => {
        calls += 1;
        throw AppError.validation([{ field: 'order.order_items', message: 'required' }]);
      },
    });
    await listener.start();
    await send(q.url, JSON.stringify({ event: 'create_order' }), { request_id: 'req-42' });
    const [dead] = await eventually('message in the DLQ', async () => {
      const m = await drain(q.dlqUrl);
      return m.length > 0 ? m : null;
    });
    assert.equal(calls, 1);
    assert.equal(dead!.MessageAttributes?.error_code?.StringValue, 'validation_failed');
    assert.match(dead!.MessageAttributes?.error_details?.StringValue ?? '', /order\.order_items/);
    assert.equal(dead!.MessageAttributes?.request_id?.StringValue, 'req-42');
    assert.equal(dead!.MessageAttributes?.source_queue?.StringValue, q.name);
    // Dead-lettered first, then deleted: the delete may land just after the copy is visible.
    await eventually('deleted from its queue', async () => (await depth(q.url)) === 0);
    assert.equal(telemetry.noticed.length, 1);
  });

  it('dead-letters a malformed body without calling the handler', async () => {
    const q = await queuePair({ visibilityS: 5, maxReceives: 5 });
    let calls = 0;
    const { listener } = listen(q, { kind: 'single', handle: async () => void (calls += 1) });
    await listener.start();
    await send(q.url, '{not json');
    const [dead] = await eventually('message in the DLQ', async () => {
      const m = await drain(q.dlqUrl);
      return m.length > 0 ? m : null;
    });
    assert.equal(calls, 0);
    assert.equal(dead!.MessageAttributes?.error_code?.StringValue, 'bad_request');
    assert.equal(dead!.Body, '{not json');
  });

  it('accepts gzip-compressed bodies and carries the request id to the handler', async () => {
    const q = await queuePair({ visibilityS: 5, maxReceives: 5 });
    const seen: { body: unknown; requestId: string }[] = [];
    const { listener } = listen(q, { kind: 'single', handle: async (m, ctx) => void seen.push({ body: m.body, requestId: ctx.requestId }) });
    await listener.start();
    await send(q.url, gzipSync(JSON.stringify({ event: 'big', n: 7 })).toString('base64'), { compression: 'gzip', request_id: 'req-gz' });
    await eventually('handled', async () => seen.length === 1);
    assert.deepEqual(seen[0], { body: { event: 'big', n: 7 }, requestId: 'req-gz' });
    await eventually('deleted', async () => (await depth(q.url)) === 0);
  });

  it('runs at most W x C handlers at once, and uses them all', async () => {
    const q = await queuePair({ visibilityS: 30, maxReceives: 5 });
    let active = 0;
    let peak = 0;
    let done = 0;
    const { listener } = listen(
      q,
      {
        kind: 'single',
        handle: async () => {
          active += 1;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 300));
          active -= 1;
          done += 1;
        },
      },
      { workerCount: 2, concurrencyPerWorker: 3 },
    );
    for (let i = 0; i < 24; i++) await send(q.url, JSON.stringify({ i }));
    await listener.start();
    await eventually('all handled', async () => done === 24, 20_000);
    assert.equal(peak, 6, `peak concurrency ${peak}`);
  });

  it('on shutdown stops polling and finishes in-flight messages: none lost, none left', async () => {
    const q = await queuePair({ visibilityS: 30, maxReceives: 5 });
    const finished: number[] = [];
    let started = 0;
    const { listener } = listen(
      q,
      {
        kind: 'single',
        handle: async (m) => {
          started += 1;
          await new Promise((r) => setTimeout(r, 800));
          finished.push((m.body as { i: number }).i);
        },
      },
      { workerCount: 1, concurrencyPerWorker: 4 },
    );
    for (let i = 0; i < 4; i++) await send(q.url, JSON.stringify({ i }));
    await listener.start();
    await eventually('all four in flight', async () => started === 4);
    await listener.stop(10_000);
    assert.deepEqual([...finished].sort(), [0, 1, 2, 3]);
    assert.equal(await depth(q.url), 0, 'every finished message was deleted');
    assert.equal((await drain(q.dlqUrl)).length, 0);
  });

  it('extends visibility while a slow handler runs, so the message is not delivered twice', async () => {
    const q = await queuePair({ visibilityS: 2, maxReceives: 5 });
    let calls = 0;
    const { listener } = listen(
      q,
      {
        kind: 'single',
        handle: async () => {
          calls += 1;
          await new Promise((r) => setTimeout(r, 5000));
        },
      },
      { workerCount: 2, concurrencyPerWorker: 2, visibilityTimeoutS: 2 },
    );
    await listener.start();
    await send(q.url, JSON.stringify({ slow: true }));
    await eventually('handled and deleted', async () => calls === 1 && (await depth(q.url)) === 0, 15_000, 250);
    assert.equal(calls, 1);
  });
});
