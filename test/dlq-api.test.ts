import assert from 'node:assert/strict';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../core/platform/aws.js';
import { Queues, ensureQueues } from '../core/platform/queues.js';
import { DeadLetterService } from '../core/operations/dead-letter.service.js';
import { QUEUES } from '../localstack/resources.js';
import { createTenant, eventually, http, internalHeaders } from './support/api.js';
import { getStack } from './support/stack.js';

const orderFor = (sellerId: string, tenantId: string, orderId: string) => ({
  event: 'create_order',
  tenant_id: tenantId,
  seller_id: sellerId,
  order: {
    order_id: orderId,
    sales_channel: { name: 'shopify', order_id: `ch-${orderId}` },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
    customer: { name: 'A', email: null, phone: null },
    shipping_address: { line1: 'x', city: 'Riyadh', country: 'SA' },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
  },
});

function metricValue(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : null;
}

describe('dead letters visible: internal API and Prometheus gauges', function () {
  this.timeout(60_000);

  it('GET /internal/api/v1/dlq lists every queue with depths; a dead letter appears with its reason and in the gauges', async () => {
    assert.equal((await http('GET', '/internal/api/v1/dlq')).status, 401);
    const t = await createTenant();
    const ghost = `sel_ghost${Math.random().toString(36).slice(2, 8)}`;
    await getStack().oms.container.platform.queues.send('createOrder', orderFor(ghost, t.tenantId, 'API-DLQ-1'));
    const found = await eventually(
      'the dead letter in GET /dlq',
      async () => {
        const res = await http('GET', '/internal/api/v1/dlq?queue=oms-create-order-queue&limit=50', { headers: internalHeaders() });
        assert.equal(res.status, 200);
        const mine = res.body.data[0].oldest.find((m: any) => m.error_message.includes(ghost));
        return mine ? { queue: res.body.data[0], mine } : null;
      },
      30_000,
      300,
    );
    assert.equal(found.mine.error_code, 'not_found');
    assert.ok(found.queue.dlq_depth >= 1);

    const all = await http('GET', '/internal/api/v1/dlq?limit=0', { headers: internalHeaders() });
    assert.equal(all.status, 200);
    assert.equal(all.body.data.length, Object.keys(QUEUES).length);
    assert.ok(all.body.data.every((q: any) => typeof q.visible === 'number' && q.dlq.endsWith('-dlq') && q.oldest.length === 0));

    // The sampler (every 2 s in tests) has seen it: the scrape itself does not ask SQS.
    const gauge = await eventually('oms_dlq_messages for the create-order queue', async () => {
      const text = (await http('GET', '/metrics', { headers: internalHeaders() })).body as string;
      const v = metricValue(text, 'oms_dlq_messages', 'queue="oms-create-order-queue"');
      return v !== null && v >= 1 ? text : null;
    });
    assert.notEqual(metricValue(gauge, 'oms_queue_messages', 'queue="oms-shipment-queue",state="visible"'), null);
    const sampledAt = Number(gauge.split('\n').find((l) => l.startsWith('oms_queue_depth_sampled_timestamp_seconds '))?.split(' ')[1]);
    assert.ok(Date.now() / 1000 - sampledAt < 10, `sampled ${Date.now() / 1000 - sampledAt}s ago`);

    const bad = await http('GET', '/internal/api/v1/dlq?queue=nope', { headers: internalHeaders() });
    assert.equal(bad.status, 404);
    const doc = await http('GET', '/internal/openapi.json', { headers: internalHeaders() });
    assert.ok(doc.body.paths['/internal/api/v1/dlq/{queue}/redrive']?.post, 'documented in the internal OpenAPI document');
  });

  it('POST /dlq/{queue}/redrive: dry run, by id, and 400/404 naming what is wrong', async () => {
    const t = await createTenant();
    const ghost = `sel_ghost${Math.random().toString(36).slice(2, 8)}`;
    await getStack().oms.container.platform.queues.send('createOrder', orderFor(ghost, t.tenantId, 'API-DLQ-2'));
    const id = await eventually(
      'the dead letter',
      async () => {
        const res = await http('GET', '/internal/api/v1/dlq?queue=oms-create-order-queue&limit=50', { headers: internalHeaders() });
        return res.body.data[0].oldest.find((m: any) => m.error_message.includes(ghost))?.message_id as string | undefined;
      },
      30_000,
      300,
    );
    const path = '/internal/api/v1/dlq/oms-create-order-queue/redrive';
    for (const [body, field] of [
      [{}, 'all'],
      [{ all: true, message_ids: [id] }, 'all'],
      [{ all: false }, 'all'],
      [{ message_ids: [] }, 'message_ids'],
      [{ message_ids: [id], dry_run: 'yes' }, 'dry_run'],
      [{ message_ids: [id], extra: 1 }, ''],
    ] as const) {
      const res = await http('POST', path, { body, headers: internalHeaders() });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.error.details.some((d: any) => d.field.includes(field)), `${JSON.stringify(body)} -> ${JSON.stringify(res.body.error.details)}`);
    }
    assert.equal((await http('POST', '/internal/api/v1/dlq/nope/redrive', { body: { all: true }, headers: internalHeaders() })).status, 404);
    assert.equal((await http('POST', path, { body: { all: true } })).status, 401);

    const dry = await http('POST', path, { body: { message_ids: [id], dry_run: true }, headers: internalHeaders() });
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body.data.redriven, [id]);
    assert.equal(dry.body.data.dry_run, true);
    const still = await http('GET', '/internal/api/v1/dlq?queue=oms-create-order-queue&limit=50', { headers: internalHeaders() });
    assert.ok(still.body.data[0].oldest.some((m: any) => m.message_id === id), 'a dry run leaves it in the DLQ');

    const real = await http('POST', path, { body: { message_ids: [id] }, headers: internalHeaders() });
    assert.equal(real.status, 200);
    assert.deepEqual(real.body.data.redriven, [id]);
    // The seller still does not exist: the listener dead-letters it again, as a new message.
    const again = await eventually('dead-lettered again (new id)', async () => {
      const res = await http('GET', '/internal/api/v1/dlq?queue=oms-create-order-queue&limit=50', { headers: internalHeaders() });
      const mine = res.body.data[0].oldest.filter((m: any) => m.error_message.includes(ghost));
      return mine.length === 1 && mine[0].message_id !== id ? mine : null;
    }, 30_000, 300);
    assert.equal(again.length, 1, 'moved, not copied');
  });

  it('redrive all moves every message the DLQ held, with progress; a failing send keeps the message in the DLQ', async () => {
    // Queues of this test's own (prefix), so "all" touches no other test's dead letters.
    const { config, runId } = getStack();
    const prefix = `all${runId}-`;
    const sqs: SQSClient = createSqsClient(config.aws);
    await ensureQueues(sqs, { prefix, maxReceiveCount: 3 });
    const queues = new Queues(sqs, prefix);
    const service = new DeadLetterService(queues);
    for (let i = 0; i < 12; i++) await queues.sendTo(queues.dlqName('inventory'), { n: i });
    const progress: number[] = [];
    const report = await service.redrive('oms-inventory-queue', { all: true }, (done) => progress.push(done));
    assert.equal(report.redriven.length, 12);
    assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const [depths] = await service.depths('inventory');
    assert.equal(depths?.dlq_depth, 0);
    assert.equal(depths?.visible, 12);

    // A source queue that cannot be reached: nothing is deleted from the DLQ.
    await queues.sendTo(queues.dlqName('shipment'), { n: 'kept' });
    const broken = new Queues(sqs, prefix);
    const realUrl = broken.url.bind(broken);
    broken.url = async (name: string) => (name === queues.name('shipment') ? 'http://127.0.0.1:1/000000000000/gone' : realUrl(name));
    const failed = await new DeadLetterService(broken).redrive('shipment', { all: true });
    assert.equal(failed.redriven.length, 0);
    assert.equal(failed.failed.length, 1);
    const [kept] = await service.depths('shipment');
    assert.equal(kept?.dlq_depth, 1, 'still in the DLQ');
    assert.equal(kept?.visible, 0);
    sqs.destroy();
  });
});
