import assert from 'node:assert/strict';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { createHub, createTenant, eventually } from './support/api.js';
import { buildOnce, describeProcesses, oms, omsFollow, omsJson } from './support/cli.js';
import { getStack } from './support/stack.js';

const orderBody = (orderId: string) => ({
  order_id: orderId,
  sales_channel: { name: 'shopify', order_id: `ch-${orderId}` },
  order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
  customer: { name: 'Aisha Khan', email: null, phone: null },
  shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA' },
  payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
});

/** One clear line on stderr: no stack trace, no logger noise. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0] as string, pattern);
  assert.doesNotMatch(stderr, /^\s+at /m);
}

describeProcesses('oms operator command (built, run as a child process)', function () {
  this.timeout(120_000);
  before(function () {
    this.timeout(180_000);
    buildOnce();
  });

  it('tenants create|list, sellers create (the key works on the API), hubs add|list', async () => {
    const tenant = await omsJson(['tenants', 'create', '--name', 'CLI Tenant']);
    assert.match(tenant.id, /^ten_/);
    const listed = await omsJson<{ id: string; name: string }[]>(['tenants', 'list', '--limit', '1000']);
    assert.deepEqual(listed.find((t) => t.id === tenant.id)?.name, 'CLI Tenant');

    const seller = await omsJson(['sellers', 'create', '--tenant', tenant.id, '--name', 'CLI Seller', '--code', 'cli-1']);
    assert.match(seller.api_key, new RegExp(`^oms_${tenant.id}_`));
    const hubsViaApi = await fetch(`${getStack().baseUrl}/api/v1/sellers/${seller.id}/hubs`, { headers: { authorization: `Bearer ${seller.api_key}` } });
    assert.equal(hubsViaApi.status, 200);

    const hub = await omsJson(['hubs', 'add', '--tenant', tenant.id, '--code', 'RUH-1', '--name', 'Riyadh', '--latitude', '24.7', '--longitude', '46.7', '--daily-capacity', '50']);
    assert.equal(hub.code, 'RUH-1');
    assert.equal(hub.daily_capacity, 50);
    const table = await oms(['hubs', 'list', '--tenant', tenant.id]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /RUH-1.*Riyadh/);
  });

  it('refuses bad input with one line naming the field, exit 2, and writes nothing', async () => {
    const t = await createTenant();
    const bad = await oms(['hubs', 'add', '--tenant', t.tenantId, '--code', 'H-1', '--name', 'x', '--latitude', '123', '--longitude', '46.7']);
    assert.equal(bad.code, 2);
    assertOneLine(bad.stderr, /latitude/);
    const nan = await oms(['hubs', 'add', '--tenant', t.tenantId, '--code', 'H-1', '--name', 'x', '--latitude', 'north', '--longitude', '46.7']);
    assert.equal(nan.code, 2);
    assertOneLine(nan.stderr, /latitude/);
    assert.deepEqual(await omsJson(['hubs', 'list', '--tenant', t.tenantId]), []);
    const code = await oms(['sellers', 'create', '--tenant', t.tenantId, '--name', 'S', '--code', 'has space']);
    assert.equal(code.code, 2);
    assertOneLine(code.stderr, /code/);
    const missing = await oms(['hubs', 'list', '--tenant', 'ten_doesnotexist']);
    assert.equal(missing.code, 1);
    assertOneLine(missing.stderr, /tenant ten_doesnotexist not found/);
  });

  it('lists, shows and redrives a dead-lettered message back to success', async () => {
    const { oms: app } = getStack();
    const t = await createTenant();
    const lateSeller = `sel_late${Math.random().toString(36).slice(2, 8)}`;
    // A seller that does not exist yet: the create-order listener dead-letters the message (not_found).
    await app.container.platform.queues.send('createOrder', { event: 'create_order', tenant_id: t.tenantId, seller_id: lateSeller, order: orderBody('DLQ-1') }, { requestId: 'req-dlq-1' });
    const listed = await eventually(
      'the message in the DLQ listing',
      async () => {
        const queues = await omsJson<any[]>(['dlq', 'list', 'oms-create-order-queue', '--limit', '50']);
        const q = queues[0];
        const mine = q?.oldest.find((m: any) => m.error_message.includes(lateSeller));
        return mine ? { q, mine } : null;
      },
      30_000,
      500,
    );
    assert.equal(listed.q.queue, 'oms-create-order-queue');
    assert.ok(listed.q.dlq_depth >= 1);
    assert.equal(listed.mine.error_code, 'not_found');
    assert.equal(listed.mine.source_queue, 'oms-create-order-queue');
    const id: string = listed.mine.message_id;
    const table = await oms(['dlq', 'list']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /oms-create-order-queue-dlq/);

    const shown = await omsJson(['dlq', 'show', 'oms-create-order-queue', id]);
    assert.equal(shown.body.seller_id, lateSeller);
    assert.equal(shown.attributes.request_id, 'req-dlq-1');

    const dry = await omsJson(['dlq', 'redrive', 'oms-create-order-queue', '--id', id, '--dry-run']);
    assert.deepEqual(dry.redriven, [id]);
    assert.equal((await omsJson(['dlq', 'show', 'oms-create-order-queue', id])).message_id, id, 'a dry run moves nothing');

    await app.container.tenancy.tenants.ensureSeller(tenantScope(t.tenantId), { id: lateSeller, name: 'Late', code: 'late' }, `oms_${t.tenantId}_${'k'.repeat(24)}`);
    const partly = await oms(['--json', 'dlq', 'redrive', 'oms-create-order-queue', '--id', id, 'no-such-id']);
    assert.equal(partly.code, 1, 'an id that was not found fails the command');
    const done = JSON.parse(partly.stdout);
    assert.deepEqual(done.redriven, [id]);
    assert.deepEqual(done.not_found, ['no-such-id']);
    const order = await eventually('the redriven order to be created', () =>
      app.container.orders.repository.findBySellerOrderId({ tenantId: t.tenantId, sellerId: lateSeller }, 'DLQ-1'),
    );
    assert.equal(order.order_id, 'DLQ-1');
    const gone = await oms(['dlq', 'show', 'oms-create-order-queue', id]);
    assert.equal(gone.code, 1);
    assertOneLine(gone.stderr, /not found/);
    const neither = await oms(['dlq', 'redrive', 'oms-create-order-queue']);
    assert.equal(neither.code, 2);
    assertOneLine(neither.stderr, /--all or --id/);
  });

  it('orders show: the order, its timeline and routing; another tenant gets not found', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H-SHOW' });
    const created = await t.seller('POST', '/orders', orderBody('SHOW-1'));
    assert.equal(created.status, 201);
    const id = created.body.data.id;
    const shown = await eventually('the order routed', async () => {
      const o = await omsJson(['orders', 'show', id, '--tenant', t.tenantId]);
      return o.routing ? o : null;
    });
    assert.equal(shown.id, id);
    assert.ok(shown.timeline.length >= 1);
    assert.equal(shown.timeline[0].kind, 'created');
    assert.ok(Array.isArray(shown.routing.candidates));
    const table = await oms(['orders', 'show', id, '--tenant', t.tenantId]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /timeline[\s\S]*created[\s\S]*routing[\s\S]*H-SHOW/);
    const other = await createTenant();
    const hidden = await oms(['orders', 'show', id, '--tenant', other.tenantId]);
    assert.equal(hidden.code, 1);
    assertOneLine(hidden.stderr, new RegExp(`order ${id} not found`));
  });

  it('events tail follows a tenant\'s order events as they happen, and only that tenant\'s', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const tail = omsFollow(['--json', 'events', 'tail', '--tenant', t.tenantId, '--interval', '200']);
    try {
      await eventually('tail to start', async () => /following order events/.test(tail.stderr()), 20_000, 100);
      const created = await t.seller('POST', '/orders', orderBody('TAIL-1'));
      await other.seller('POST', '/orders', orderBody('TAIL-OTHER'));
      const id = created.body.data.id;
      const events = () => tail.lines.map((l) => JSON.parse(l));
      await eventually('the created entry', async () => events().find((e) => e.order_id === id && e.kind === 'created'), 20_000, 200);
      await eventually('cancel', async () => ((await t.seller('POST', `/orders/${id}/cancel`, { reason: 'tail' })).status === 200 ? true : null), 10_000, 100);
      await eventually('the cancelled entry', async () => events().find((e) => e.order_id === id && e.to === 'cancelled'), 20_000, 200);
      assert.ok(events().every((e) => e.seller_order_id !== 'TAIL-OTHER'), 'another tenant\'s events are not shown');
      const createdCount = events().filter((e) => e.order_id === id && e.kind === 'created').length;
      assert.equal(createdCount, 1, 'each entry once');
    } finally {
      assert.equal(await tail.stop(), 0, `tail exit; stderr: ${tail.stderr()}`);
    }
  });

  it('check-stock still works as oms check-stock --tenant T', async () => {
    const t = await createTenant();
    const res = await oms(['check-stock', '--tenant', t.tenantId]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).ok, true);
    const usage = await oms(['check-stock']);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /--tenant/);
  });

  it('an unreachable store gives one clear line and a non-zero exit', async () => {
    const mongo = await oms(['tenants', 'list'], { MONGODB_URI: 'mongodb://127.0.0.1:1', OMS_MONGODB__SERVER_SELECTION_TIMEOUT_MS: '1000' });
    assert.equal(mongo.code, 1);
    assertOneLine(mongo.stderr, /^oms: MongoDB at mongodb:\/\/127\.0\.0\.1:1 is unavailable/);
    const redis = await oms(['tenants', 'list'], { REDIS_URL: 'redis://127.0.0.1:1/0' });
    assert.equal(redis.code, 1);
    assertOneLine(redis.stderr, /^oms: Redis at redis:\/\/127\.0\.0\.1:1\/0 is unavailable/);
    const sqs = await oms(['dlq', 'list'], { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1' });
    assert.equal(sqs.code, 1);
    assertOneLine(sqs.stderr, /^oms: SQS queue oms-[a-z-]+ is unavailable/);
  });
});
