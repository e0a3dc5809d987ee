import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenant, eventually } from './support/api.js';
import { getStack } from './support/stack.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { orderEventState } from '../core/domain/order.js';
import type { OutboundEvent } from '../core/domain/events.js';
import { ChannelSyncRepository } from '../core/order/channel-sync.repository.js';
import { ChannelSyncService } from '../core/order/channel-sync.service.js';
import { SalesChannelClient } from '../external-service/sales-channel/sales-channel.client.js';
import { channelStatusChange } from '../external-service/sales-channel/status-map.js';
import { createLogger } from '../core/platform/logger.js';
import { LocalTelemetry } from '../core/platform/telemetry.js';
import { orderBody, settled, storedOrder, uid } from './orders-support.js';

/** A stand-in sales channel: records status calls; stop() is the outage. */
class FakeChannel {
  readonly calls: { path: string; key: string | undefined; body: any }[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        this.calls.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(raw || '{}') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}

function syncFor(port: number) {
  const { config, mongo } = getStack().oms.container.platform;
  const logger = createLogger({ service: { ...config.service, log_level: 'silent' } });
  const client = new SalesChannelClient({ base_url: `http://127.0.0.1:${port}`, timeout_ms: 500, retries: 1 }, logger, {
    resetTimeoutMs: 200,
    errorThresholdPercentage: 50,
    volumeThreshold: 2,
  });
  // Its own collection: the running OMS's retrier (no channel URL: logs and clears) must not take these.
  const repo = new ChannelSyncRepository(mongo.db, 'sales_channel_syncs_under_test');
  return { client, repo, sync: new ChannelSyncService(client, repo, logger, new LocalTelemetry(logger)) };
}

async function statusEvent(tenantId: string, id: string, from: string, to: string): Promise<OutboundEvent> {
  const order = await storedOrder(tenantId, id);
  if (!order) throw new Error('no order');
  return {
    event_id: `evt-${uid()}`,
    event: 'order.status_changed.v1',
    occurred_at: new Date().toISOString(),
    tenant_id: tenantId,
    seller_id: order.seller_id,
    order_id: id,
    data: { order: { ...orderEventState(order), status: to }, from, to },
  };
}

describe('orders: status sync to the sales channel', () => {
  const channel = new FakeChannel();
  after(() => channel.stop());

  it('maps OMS statuses per platform and calls only when the platform status changes', () => {
    assert.equal(channelStatusChange('shopify', 'pending', 'on_hold'), null);
    assert.equal(channelStatusChange('shopify', 'on_hold', 'approved'), 'paid');
    assert.equal(channelStatusChange('shopify', 'packed', 'shipped'), 'fulfilled');
    assert.equal(channelStatusChange('shopify', 'approved', 'cancelled'), 'cancelled');
    assert.equal(channelStatusChange('woocommerce', 'approved', 'picking'), null);
    assert.equal(channelStatusChange('woocommerce', 'shipped', 'delivered'), null);
    assert.equal(channelStatusChange('woocommerce', 'packed', 'shipped'), 'completed');
    assert.equal(channelStatusChange('amazon', 'packed', 'shipped'), 'Shipped');
    assert.equal(channelStatusChange('amazon', 'shipped', 'delivered'), 'Delivered');
    assert.equal(channelStatusChange('amazon', 'approved', 'cancelled'), null);
    assert.equal(channelStatusChange('etsy', 'packed', 'shipped'), null);
  });

  it('sends the new status with the event id as idempotency key', async () => {
    await channel.start();
    const { sync, client } = syncFor(channel.port);
    const t = await createTenant();
    const id = (await t.seller('POST', '/orders', orderBody())).body.data.id;
    await settled(t.tenantId, id);
    const event = await statusEvent(t.tenantId, id, 'on_hold', 'cancelled');
    assert.equal(await sync.onEvent(event), 'sent');
    const call = channel.calls.at(-1)!;
    const ref = (await storedOrder(t.tenantId, id))!.sales_channel!;
    assert.equal(call.path, `/shopify/orders/${ref.order_id}/status`);
    assert.equal(call.key, event.event_id);
    assert.equal(call.body.status, 'cancelled');
    assert.equal(call.body.oms_order_id, id);
    assert.equal(await sync.onEvent(await statusEvent(t.tenantId, id, 'pending', 'on_hold')), 'skipped');
    client.shutdown();
  });

  it('keeps orders flowing while the channel is down, and syncs the latest status once it is back', async () => {
    const { sync, repo, client } = syncFor(channel.port);
    const t = await createTenant();
    const id = (await t.seller('POST', '/orders', orderBody())).body.data.id;
    await settled(t.tenantId, id);
    await channel.stop();

    const started = Date.now();
    assert.equal(await sync.onEvent(await statusEvent(t.tenantId, id, 'on_hold', 'approved')), 'deferred');
    const newer = await statusEvent(t.tenantId, id, 'approved', 'cancelled');
    (newer.data.order as { version: number }).version += 1;
    assert.equal(await sync.onEvent(newer), 'deferred');
    // the breaker is open now: further calls fail fast instead of waiting on timeouts
    assert.equal(await sync.onEvent(await statusEvent(t.tenantId, id, 'on_hold', 'approved')), 'deferred');
    assert.ok(Date.now() - started < 5000, 'an outage costs little time per event');
    const parked = await repo.find(tenantScope(t.tenantId), `${t.tenantId}:${id}`);
    assert.equal(parked?.update.status, 'cancelled', 'the newest status is kept; an older one never overwrites it');

    // the OMS keeps taking and routing orders meanwhile
    const other = await t.seller('POST', '/orders', orderBody());
    assert.equal(other.status, 201);
    assert.notEqual((await settled(t.tenantId, other.body.data.id)).status, 'pending');

    await channel.start();
    const before = channel.calls.length;
    await eventually('the parked update is sent', async () => {
      await sync.retryDue(tenantScope(t.tenantId));
      return (await repo.find(tenantScope(t.tenantId), `${t.tenantId}:${id}`)) === null;
    }, 15_000, 200);
    const delivered = channel.calls.slice(before);
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.body.status, 'cancelled');
    assert.equal(delivered[0]!.key, newer.event_id);
    client.shutdown();
  });
});
