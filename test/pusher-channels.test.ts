import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import PusherModule from 'pusher-js';
import WebSocket from 'ws';
import { createTenant, eventually, http, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';

const orderBody = (orderId: string) => ({
  order_id: orderId,
  sales_channel: { name: 'shopify', order_id: `ch-${orderId}` },
  order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: 'li-1' }],
  customer: { name: 'Aisha Khan', email: null, phone: null },
  shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', country: 'SA' },
  payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
});

// pusher-js is CommonJS whose typings declare an ES default export: at run time the module is the class.
const Pusher = PusherModule as unknown as typeof PusherModule.default;
type Pusher = InstanceType<typeof Pusher>;

function authForm(apiKey: string | null, socketId: string, channel: string) {
  return fetch(`${getStack().baseUrl}/pusher/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: new URLSearchParams({ socket_id: socketId, channel_name: channel }).toString(),
  });
}

function dashboard(t: TestTenant): Pusher {
  const { config, baseUrl } = getStack();
  return new Pusher(config.pusher.key, {
    cluster: config.pusher.cluster,
    wsHost: '127.0.0.1',
    wsPort: config.pusher.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: { endpoint: `${baseUrl}/pusher/auth`, transport: 'ajax', headers: { authorization: `Bearer ${t.apiKey}` } },
  });
}

describe('real-time to a browser: Pusher channel authorization and the local WebSocket', function () {
  this.timeout(60_000);
  const clients: Pusher[] = [];
  afterEach(() => clients.splice(0).forEach((c) => c.disconnect()));

  it('POST /pusher/auth signs the seller\'s own private channel only', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const own = `private-seller-${t.sellerId}`;
    assert.equal((await authForm(null, '1.2', own)).status, 401);
    assert.equal((await authForm(`oms_${t.tenantId}_${'x'.repeat(30)}`, '1.2', own)).status, 401);
    for (const channel of [`private-seller-${other.sellerId}`, `presence-seller-${t.sellerId}`, `seller-${t.sellerId}`, `private-seller-${t.sellerId}x`]) {
      const res = await authForm(t.apiKey, '1.2', channel);
      assert.equal(res.status, 403, channel);
      assert.equal(((await res.json()) as any).error.code, 'forbidden');
    }
    const bad = await authForm(t.apiKey, 'abc', own);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).error.details[0].field, 'socket_id');
    const missing = await http('POST', '/pusher/auth', { body: { socket_id: '1.2' }, headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.details[0].field, 'channel_name');

    const ok = await authForm(t.apiKey, '123.456', own);
    assert.equal(ok.status, 200);
    const { auth } = (await ok.json()) as { auth: string };
    const { key, secret } = getStack().config.pusher;
    assert.equal(auth, `${key}:${createHmac('sha256', secret).update(`123.456:${own}`).digest('hex')}`);
  });

  it('a real pusher-js client authorizes its private channel and receives an order\'s events over a WebSocket', async () => {
    const t = await createTenant();
    const other = await createTenant();
    const client = dashboard(t);
    clients.push(client);
    const received: { name: string; data: any }[] = [];
    const channel = client.subscribe(`private-seller-${t.sellerId}`);
    channel.bind_global((name: string, data: any) => received.push({ name, data }));
    await new Promise<void>((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', () => resolve());
      channel.bind('pusher:subscription_error', (e: unknown) => reject(new Error(`subscription failed: ${JSON.stringify(e)}`)));
    });

    // Someone else's channel is refused at the authorization endpoint.
    const refused = client.subscribe(`private-seller-${other.sellerId}`);
    const status = await new Promise<number>((resolve) => refused.bind('pusher:subscription_error', (e: { status: number }) => resolve(e.status)));
    assert.equal(status, 403);

    const created = await t.seller('POST', '/orders', orderBody('WS-1'));
    assert.equal(created.status, 201);
    const id = created.body.data.id;
    await other.seller('POST', '/orders', orderBody('WS-OTHER'));
    await eventually('order.created.v1 over the WebSocket', async () => received.find((e) => e.name === 'order.created.v1' && JSON.stringify(e.data).includes(id)), 15_000, 50);
    await eventually('cancel', async () => ((await t.seller('POST', `/orders/${id}/cancel`, { reason: 'ws' })).status === 200 ? true : null), 10_000, 100);
    const change = await eventually('order.status_changed.v1 over the WebSocket', async () => received.find((e) => e.name === 'order.status_changed.v1' && JSON.stringify(e.data).includes('"to":"cancelled"')), 15_000, 50);
    assert.equal(typeof change.data, 'object', 'data arrives as JSON');
    assert.ok(received.every((e) => !JSON.stringify(e.data).includes('WS-OTHER')), 'no other seller\'s events');
  });

  it('the local receiver refuses a private subscription with a forged signature and sends it nothing', async () => {
    const t = await createTenant();
    const { config } = getStack();
    const ws = new WebSocket(`ws://127.0.0.1:${config.pusher.port}/app/${config.pusher.key}?protocol=7&client=js&version=8`);
    const messages: any[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
    try {
      const established = await eventually('connection_established', async () => messages.find((m) => m.event === 'pusher:connection_established'), 10_000, 20);
      const socketId = JSON.parse(established.data).socket_id;
      const channel = `private-seller-${t.sellerId}`;
      ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth: `${config.pusher.key}:${'0'.repeat(64)}` } }));
      const error = await eventually('pusher:error', async () => messages.find((m) => m.event === 'pusher:error'), 10_000, 20);
      assert.match(error.data.message, /Invalid signature/);
      // With a signature from the OMS for a different socket id it is refused as well.
      const forOtherSocket = (await (await authForm(t.apiKey, '1.1', channel)).json()) as { auth: string };
      ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, auth: forOtherSocket.auth } }));
      await eventually('second pusher:error', async () => messages.filter((m) => m.event === 'pusher:error').length === 2, 10_000, 20);
      assert.ok(socketId !== '1.1');
      const created = await t.seller('POST', '/orders', orderBody('WS-FORGED'));
      await eventually('the event reached the receiver', async () => getStack().pusher.eventsFor(channel).some((e) => JSON.stringify(e.data).includes(created.body.data.id)), 15_000, 50);
      assert.ok(!messages.some((m) => m.event === 'pusher_internal:subscription_succeeded' || m.channel === channel));
    } finally {
      ws.close();
    }
  });
});
