import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { WebhookClient } from '../external-service/webhook/webhook.client.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { SecretBox } from '../core/platform/secret-box.js';
import { WebhookDeliveryRepository } from '../core/webhook/webhook-delivery.repository.js';
import { WebhookEndpointRepository } from '../core/webhook/webhook-endpoint.repository.js';
import { WebhookDispatcher } from '../core/webhook/webhook.dispatcher.js';
import { isAppError } from '../core/domain/errors.js';
import { createTenant, eventually, http as api, internalHeaders, type TestTenant } from './support/api.js';
import { buildOnce, oms } from './support/cli.js';
import { getStack } from './support/stack.js';
import { orderBody, settled } from './orders-support.js';

/** One request the receiver got: what was sent, whether its signature held, what it answered. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  event: { event_id: string; event: string; order_id: string | null; occurred_at: string; data: Record<string, unknown> };
  verified: boolean;
  status: number;
}

/**
 * A seller's webhook receiver: a real HTTP server on 127.0.0.1 that verifies every request with
 * the standardwebhooks package against the secrets the test gave it for the path, answers 401 to
 * a bad signature, and fails on purpose (503) while told to.
 */
class Receiver {
  readonly requests: Received[] = [];
  private readonly secrets = new Map<string, string[]>();
  private readonly failures = new Map<string, number>();
  private readonly delays = new Map<string, number>();
  private server: http.Server | null = null;
  private port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
        const verified = (this.secrets.get(path) ?? []).some((secret) => verifies(secret, raw, headers));
        const left = this.failures.get(path) ?? 0;
        if (left > 0) this.failures.set(path, left - 1);
        const status = !verified ? 401 : left > 0 ? 503 : 200;
        this.requests.push({ path, headers: req.headers, raw, event: safeJson(raw), verified, status });
        setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'failing on purpose'), this.delays.get(path) ?? 0);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get portNumber(): number {
    return this.port;
  }

  trust(path: string, ...secrets: string[]): void {
    this.secrets.set(path, secrets);
  }

  /** The next `n` requests to `path` are answered 503 (Infinity: until told otherwise). */
  fail(path: string, n: number): void {
    this.failures.set(path, n);
  }

  delay(path: string, ms: number): void {
    this.delays.set(path, ms);
  }

  delivered(path: string): Received[] {
    return this.requests.filter((r) => r.path === path && r.status === 200);
  }

  to(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }
}

function verifies(secret: string, raw: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(raw, headers);
    return true;
  } catch {
    return false;
  }
}

function safeJson(raw: string): Received['event'] {
  try {
    return JSON.parse(raw) as Received['event'];
  } catch {
    return { event_id: '', event: '', order_id: null, occurred_at: '', data: {} };
  }
}

async function register(t: TestTenant, receiver: Receiver, path: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const res = await t.seller('POST', '/webhooks', { url: receiver.url(path), description: `test ${path}`, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.match(res.body.data.secret, /^whsec_/);
  receiver.trust(path, res.body.data.secret);
  return { id: res.body.data.id, secret: res.body.data.secret };
}

async function newOrder(t: TestTenant): Promise<string> {
  const res = await t.seller('POST', '/orders', orderBody());
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await settled(t.tenantId, res.body.data.id);
  return res.body.data.id;
}

async function endpointOf(t: TestTenant, id: string): Promise<any> {
  const res = await t.seller('GET', `/webhooks/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function deliveries(t: TestTenant, id: string, query = ''): Promise<any[]> {
  const res = await t.seller('GET', `/webhooks/${id}/deliveries${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function attempts(t: TestTenant, id: string, query = ''): Promise<any[]> {
  const res = await t.seller('GET', `/webhooks/${id}/attempts${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function webhookDocs(tenantId: string): Promise<number> {
  const { db } = getStack().oms.container.platform.mongo;
  const counts = await Promise.all(['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts'].map((c) => db.collection(c).countDocuments({ tenant_id: tenantId })));
  return counts.reduce((a, b) => a + b, 0);
}

/** Delivered events of one order, in the order the receiver got them. */
function orderEvents(receiver: Receiver, path: string, orderId: string): Received['event'][] {
  return receiver.delivered(path).map((r) => r.event).filter((e) => e.order_id === orderId);
}

describe('seller webhooks: signed, in order per order, retried, parked, replayed, disabled', function () {
  // Generous: the parked test runs the built `oms` command three times, slow on a loaded machine.
  this.timeout(180_000);
  const receiver = new Receiver();
  before(async function () {
    this.timeout(180_000);
    buildOnce(); // the `oms` command the replay test runs
    await receiver.start();
  });
  after(() => receiver.stop());

  it('delivers every event signed, once, in order per order, through a receiver that fails for a while', async () => {
    const t = await createTenant();
    const hook = await register(t, receiver, '/orders-in-order');
    // The secret is answered once: never by a read.
    const shown = await endpointOf(t, hook.id);
    assert.equal(shown.secret, undefined);
    assert.equal(shown.status, 'enabled');
    const stored = await getStack().oms.container.platform.mongo.db.collection('webhook_endpoints').findOne({ _id: hook.id as never });
    assert.ok(stored && !JSON.stringify(stored).includes(hook.secret.slice(6)), 'the secret is stored sealed, not in plain');

    receiver.fail('/orders-in-order', 3);
    const orders = [await newOrder(t), await newOrder(t)];
    for (const id of orders) assert.equal((await t.seller('POST', `/orders/${id}/cancel`, { reason: 'webhook test' })).status, 200);

    for (const id of orders) {
      await eventually(`the cancel of ${id} delivered`, async () => orderEvents(receiver, '/orders-in-order', id).some((e) => e.event === 'order.status_changed.v1' && e.data.to === 'cancelled'), 30_000);
    }
    const all = receiver.to('/orders-in-order');
    assert.ok(all.every((r) => r.verified), 'every request verifies with the endpoint secret');
    assert.equal(all.filter((r) => r.status === 503).length, 3, 'the first three were refused on purpose');
    for (const id of orders) {
      const events = orderEvents(receiver, '/orders-in-order', id);
      assert.equal(events[0]?.event, 'order.created.v1', JSON.stringify(events.map((e) => e.event)));
      assert.ok(events.length >= 3, JSON.stringify(events.map((e) => e.event)));
      const times = events.map((e) => Date.parse(e.occurred_at));
      assert.deepEqual(times, [...times].sort((a, b) => a - b), `delivered in the order they occurred: ${JSON.stringify(events.map((e) => [e.event, e.occurred_at]))}`);
      assert.equal(new Set(events.map((e) => e.event_id)).size, events.length, 'each event once');
    }
    // The webhook-id is the event id: the same on every retry of one event.
    const first = all[0]!;
    assert.equal(first.headers['webhook-id'], first.event.event_id);
    assert.ok(all.filter((r) => r.event.event_id === first.event.event_id).length >= 2, 'the refused event was retried');

    const list = await deliveries(t, hook.id);
    assert.ok(list.length >= 6 && list.every((d) => d.status === 'delivered'), JSON.stringify(list.map((d) => [d.event_type, d.status])));
    const retried = list.find((d) => d.event_id === first.event.event_id);
    assert.ok(retried.attempts >= 2, JSON.stringify(retried));
    const tried = await attempts(t, hook.id, `?delivery_id=${retried.id}`);
    assert.deepEqual(tried.map((a) => a.outcome).reverse().slice(-1), ['succeeded']);
    const failed = tried.filter((a) => a.outcome === 'failed');
    assert.ok(failed.length >= 1 && failed.every((a) => a.status_code === 503 && /HTTP 503/.test(a.error) && Number.isInteger(a.latency_ms) && a.latency_ms >= 0), JSON.stringify(failed));
    assert.equal((await endpointOf(t, hook.id)).consecutive_failures, 0, 'a success ends the streak');
  });

  it('parks a delivery after the attempt limit and sends it again on `oms webhooks replay`', async () => {
    const t = await createTenant();
    const hook = await register(t, receiver, '/parked', { event_types: ['order.created.v1'] });
    receiver.fail('/parked', Number.POSITIVE_INFINITY);
    const orderId = await newOrder(t);
    const parked = await eventually('the delivery parked', async () => (await deliveries(t, hook.id, '?status=parked'))[0], 30_000);
    const { max_attempts: maxAttempts } = getStack().config.webhooks;
    assert.equal(parked.attempts, maxAttempts);
    assert.equal(parked.order_id, orderId);
    assert.equal(parked.last_status_code, 503);
    assert.equal(receiver.to('/parked').length, maxAttempts);
    assert.equal((await attempts(t, hook.id)).length, maxAttempts);
    // Only the subscribed type was recorded.
    assert.deepEqual((await deliveries(t, hook.id)).map((d) => d.event_type), ['order.created.v1']);
    assert.equal((await endpointOf(t, hook.id)).status, 'enabled');
    // Parked means parked: nothing more is sent by itself.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(receiver.to('/parked').length, maxAttempts);

    const usage = await oms(['webhooks', 'replay', hook.id, '--tenant', t.tenantId]);
    assert.equal(usage.code, 2, usage.stderr);
    assert.match(usage.stderr, /--delivery|--since/);

    receiver.fail('/parked', 0);
    const res = await oms(['--json', 'webhooks', 'replay', hook.id, '--tenant', t.tenantId, '--delivery', parked.id]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).replayed, 1);
    await eventually('delivered after the replay', async () => receiver.delivered('/parked').length === 1);
    const done = await eventually('recorded delivered', async () => (await deliveries(t, hook.id, '?status=delivered'))[0]);
    assert.equal(done.attempts, 1, 'a replay starts a fresh set of attempts');
    assert.ok(receiver.delivered('/parked')[0]!.verified);

    // A delivered one is not sent again: 409 by API, exit 1 by command.
    const again = await t.seller('POST', `/webhooks/${hook.id}/deliveries/${parked.id}/replay`);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    const cli = await oms(['webhooks', 'replay', hook.id, '--tenant', t.tenantId, '--delivery', parked.id]);
    assert.equal(cli.code, 1, cli.stderr);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.delivered('/parked').length, 1);
  });

  it('disables an endpoint that keeps failing, tells the seller (event and Pusher), and takes it back when enabled and replayed', async () => {
    const t = await createTenant();
    const hook = await register(t, receiver, '/always-down');
    receiver.fail('/always-down', Number.POSITIVE_INFINITY);
    await newOrder(t);
    await newOrder(t);
    const disabled = await eventually('the endpoint disabled', async () => {
      const e = await endpointOf(t, hook.id);
      return e.status === 'disabled' ? e : null;
    }, 30_000);
    const limit = getStack().config.webhooks.disable_after_failures;
    assert.match(disabled.disabled_reason, new RegExp(`^${limit} consecutive failed deliveries; last: HTTP 503`));
    assert.ok(disabled.disabled_at);
    const push = await eventually('the seller told on Pusher', async () => getStack().pusher.eventsFor(`private-seller-${t.sellerId}`).find((e) => e.name === 'webhook.endpoint_disabled.v1'));
    assert.equal((push.data as any).data.endpoint_id, hook.id);
    assert.match((push.data as any).data.reason, /consecutive failed deliveries/);

    // Nothing waits for a disabled endpoint, and nothing more is sent to it.
    const sentBefore = receiver.to('/always-down').length;
    await eventually('nothing left pending', async () => (await deliveries(t, hook.id)).every((d) => d.status === 'parked' || d.status === 'delivered'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.to('/always-down').length, sentBefore);
    const parked = await deliveries(t, hook.id, '?status=parked');
    assert.ok(parked.length >= 2, JSON.stringify(parked));
    const refused = await t.seller('POST', `/webhooks/${hook.id}/deliveries/${parked[0].id}/replay`);
    assert.equal(refused.status, 409, 'no replay to a disabled endpoint');

    const enabled = await t.seller('POST', `/webhooks/${hook.id}/enable`);
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
    assert.equal(enabled.body.data.status, 'enabled');
    assert.equal(enabled.body.data.consecutive_failures, 0);
    assert.equal(enabled.body.data.disabled_reason, null);

    receiver.fail('/always-down', 0);
    const since = new Date(Date.now() - 3600_000).toISOString();
    const replay = await t.seller('POST', `/webhooks/${hook.id}/replay`, { since });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.data.replayed, parked.length);
    await eventually('every parked delivery delivered', async () => (await deliveries(t, hook.id)).every((d) => d.status === 'delivered'), 30_000);
    const ids = receiver.delivered('/always-down').map((r) => r.event.event_id);
    assert.equal(new Set(ids).size, ids.length, 'each once');
  });

  it('never sends one delivery twice when several dispatchers race, and takes over a claim whose sender died', async () => {
    const t = await createTenant();
    const hook = await register(t, receiver, '/raced');
    receiver.delay('/raced', 300);
    const { platform } = getStack().oms.container;
    const cfg = getStack().config.webhooks;
    // Two more workers' dispatchers besides the running one, over the same stores.
    const others = [1, 2].map(
      () =>
        new WebhookDispatcher(
          new WebhookEndpointRepository(platform.mongo.db),
          new WebhookDeliveryRepository(platform.mongo.db),
          new WebhookClient({ timeout_ms: cfg.timeout_ms, allow_http: true, allow_loopback: true, allow_private: false }),
          new SecretBox(cfg.secrets_key),
          platform.eventStream,
          platform.events,
          platform.logger,
          { batchSize: 50, leaseMs: cfg.lease_ms, maxAttempts: 4, retryWindowMs: 60_000, baseDelayMs: 100, maxDelayMs: 400, disableAfterFailures: 100, recheckMs: 50 },
        ),
    );
    const orderId = await newOrder(t);
    const scope = tenantScope(t.tenantId);
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      await Promise.all(others.map((d) => d.dispatchDue(scope)));
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually('all delivered', async () => (await deliveries(t, hook.id)).every((d) => d.status === 'delivered'));
    const ids = receiver.to('/raced').map((r) => r.event.event_id);
    assert.ok(ids.length >= 2, JSON.stringify(ids));
    assert.equal(new Set(ids).size, ids.length, `each event sent once: ${JSON.stringify(ids)}`);
    assert.ok(receiver.to('/raced').every((r) => r.verified && r.event.order_id === orderId));

    // A sender that claimed a delivery and died: once its lease ran out, the delivery is sent by another.
    const first = (await deliveries(t, hook.id)).at(-1);
    await platform.mongo.db.collection('webhook_deliveries').updateOne({ _id: first.id }, { $set: { status: 'sending', next_attempt_at: new Date(Date.now() + 800) } });
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(others.map((d) => d.dispatchDue(scope)));
    assert.equal(receiver.to('/raced').length, ids.length, 'not while the lease lives');
    await getStack().oms.container.webhooks.dispatcher.wake(t.tenantId);
    await eventually('taken over after the lease', async () => receiver.to('/raced').length === ids.length + 1);
    assert.equal(receiver.to('/raced').at(-1)!.event.event_id, first.event_id);
  });

  it('rotates the secret: answered once, both secrets sign during the grace, only the new one after', async () => {
    const t = await createTenant();
    const hook = await register(t, receiver, '/rotated', { event_types: ['order.created.v1'] });
    const rotated = await t.seller('POST', `/webhooks/${hook.id}/rotate-secret`, { grace_seconds: 60 });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const fresh: string = rotated.body.data.secret;
    assert.notEqual(fresh, hook.secret);
    receiver.trust('/rotated', fresh);
    await newOrder(t);
    const got = await eventually('delivered', async () => receiver.delivered('/rotated')[0]);
    const headers = { 'webhook-id': String(got.headers['webhook-id']), 'webhook-timestamp': String(got.headers['webhook-timestamp']), 'webhook-signature': String(got.headers['webhook-signature']) };
    assert.ok(verifies(fresh, got.raw, headers) && verifies(hook.secret, got.raw, headers), 'two signatures during the grace');

    const final = await t.seller('POST', `/webhooks/${hook.id}/rotate-secret`, { grace_seconds: 0 });
    receiver.trust('/rotated', final.body.data.secret);
    await newOrder(t);
    const next = await eventually('delivered again', async () => receiver.delivered('/rotated')[1]);
    const h2 = { 'webhook-id': String(next.headers['webhook-id']), 'webhook-timestamp': String(next.headers['webhook-timestamp']), 'webhook-signature': String(next.headers['webhook-signature']) };
    assert.ok(verifies(final.body.data.secret, next.raw, h2));
    assert.ok(!verifies(fresh, next.raw, h2), 'the old secret no longer signs');
  });

  it('refuses private, link-local and loopback-only tricks at registration (400, nothing written) and at send time', async () => {
    const t = await createTenant();
    const bad = [
      'http://10.0.0.1/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://0.0.0.0/hook',
      'ftp://example.com/hook',
      'http://user:pw@127.0.0.1/hook',
      'not a url',
      'http://no-such-host.invalid/hook',
    ];
    for (const url of bad) {
      const res = await t.seller('POST', '/webhooks', { url });
      assert.equal(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.details[0].field, 'url', url);
    }
    assert.equal(await webhookDocs(t.tenantId), 0, 'nothing written');

    // An endpoint whose host turns private after registration (DNS changed) is refused at send time.
    const hook = await register(t, receiver, '/turned-private', { event_types: ['order.created.v1'] });
    await getStack().oms.container.platform.mongo.db.collection('webhook_endpoints').updateOne({ _id: hook.id as never }, { $set: { url: 'http://10.9.8.7/hook' } });
    getStack().oms.container.webhooks.dispatcher.forget(t.tenantId, t.sellerId);
    await newOrder(t);
    const tried = await eventually('an attempt recorded', async () => (await attempts(t, hook.id))[0]);
    assert.equal(tried.outcome, 'failed');
    assert.equal(tried.status_code, null);
    assert.match(tried.error, /refused: 10\.9\.8\.7 is a private or link-local address/);
  });

  it('checks the address a host name resolves to, at registration and inside the connection (no rebinding), and times out', async () => {
    const options = { timeout_ms: 500, allow_http: true, allow_loopback: true, allow_private: false };
    const evil = new WebhookClient(options, async () => [{ address: '10.0.0.7', family: 4 }]);
    await assert.rejects(evil.checkUrl('http://hooks.example.test/x'), (err) => isAppError(err) && err.status === 400 && /10\.0\.0\.7 is a private/.test(JSON.stringify(err.details)));
    const before = receiver.requests.length;
    const refused = await evil.post(`http://hooks.example.test:${receiver.portNumber}/dns`, {}, '{}');
    assert.deepEqual([refused.ok, refused.status_code], [false, null]);
    assert.match(refused.error!, /refused: 10\.0\.0\.7 is a private or link-local address/);
    // One address of several is private: the host is refused.
    const mixed = new WebhookClient(options, async () => [{ address: '127.0.0.1', family: 4 }, { address: '192.168.0.9', family: 4 }]);
    assert.match((await mixed.post(`http://hooks.example.test:${receiver.portNumber}/dns`, {}, '{}')).error!, /192\.168\.0\.9/);
    assert.equal(receiver.requests.length, before, 'no connection was made');
    // The address checked is the one connected to.
    const pinned = new WebhookClient(options, async () => [{ address: '127.0.0.1', family: 4 }]);
    receiver.trust('/dns');
    const sent = await pinned.post(`http://hooks.example.test:${receiver.portNumber}/dns`, {}, '{}');
    assert.equal(sent.status_code, 401, JSON.stringify(sent));
    assert.equal(receiver.to('/dns').length, 1);
    // Loopback is refused unless configured.
    const strict = new WebhookClient({ ...options, allow_loopback: false });
    assert.match((await strict.post(receiver.url('/dns'), {}, '{}')).error!, /loopback/);
    await assert.rejects(new WebhookClient({ ...options, allow_http: false }).checkUrl(receiver.url('/dns')), /not allowed/);
    // A slow endpoint is cut at the timeout.
    receiver.delay('/slow', 1500);
    const slow = await pinned.post(receiver.url('/slow'), {}, '{}');
    assert.match(slow.error!, /timed out after 500 ms/);
    assert.ok(slow.latency_ms < 1400, String(slow.latency_ms));
  });

  it('answers bad input with 400 and writes nothing', async () => {
    const t = await createTenant();
    const url = receiver.url('/bad-input');
    const bodies: [unknown, string][] = [
      [{}, 'url'],
      [{ url: 5 }, 'url'],
      [{ url, event_types: ['Order Created'] }, 'event_types.0'],
      [{ url, event_types: 'order.created.v1' }, 'event_types'],
      [{ url, description: 'x'.repeat(501) }, 'description'],
      [{ url, secret: 'whsec_mine' }, 'secret'],
      [{ url: `${url}/${'x'.repeat(2100)}` }, 'url'],
    ];
    for (const [body, field] of bodies) {
      const res = await t.seller('POST', '/webhooks', body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(res.body)}`);
      assert.ok(JSON.stringify(res.body.error.details).includes(field), `${field}: ${JSON.stringify(res.body.error.details)}`);
    }
    assert.equal(await webhookDocs(t.tenantId), 0);

    const hook = await register(t, receiver, '/bad-input');
    const before = await endpointOf(t, hook.id);
    const writes: [string, string, unknown][] = [
      ['PUT', `/webhooks/${hook.id}`, {}],
      ['PUT', `/webhooks/${hook.id}`, { url: 'http://10.0.0.1/x' }],
      ['PUT', `/webhooks/${hook.id}`, { event_types: ['nope'] }],
      ['POST', `/webhooks/${hook.id}/rotate-secret`, { grace_seconds: -1 }],
      ['POST', `/webhooks/${hook.id}/replay`, { since: 'yesterday' }],
      ['POST', `/webhooks/${hook.id}/replay`, { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }],
      ['POST', '/webhooks/not-an-id/enable', {}],
      ['GET', `/webhooks/${hook.id}/deliveries?status=lost`, undefined],
      ['GET', `/webhooks/${hook.id}/attempts?limit=0`, undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await t.seller(method, path, body);
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(await endpointOf(t, hook.id), before);
    assert.equal(await webhookDocs(t.tenantId), 1);

    const limit = getStack().config.webhooks.max_endpoints_per_seller;
    assert.ok(limit > 1);
  });

  it("answers another tenant's endpoint with 404 and a key without the scope with 403", async () => {
    const owner = await createTenant('Owner');
    const other = await createTenant('Other');
    const hook = await register(owner, receiver, '/owned');
    const before = await endpointOf(owner, hook.id);
    const delivery = 'whd_000000000000000000000000';
    const calls: [string, string, unknown][] = [
      ['GET', `/webhooks/${hook.id}`, undefined],
      ['PUT', `/webhooks/${hook.id}`, { description: 'mine now' }],
      ['DELETE', `/webhooks/${hook.id}`, undefined],
      ['POST', `/webhooks/${hook.id}/rotate-secret`, {}],
      ['POST', `/webhooks/${hook.id}/enable`, {}],
      ['GET', `/webhooks/${hook.id}/deliveries`, undefined],
      ['GET', `/webhooks/${hook.id}/attempts`, undefined],
      ['POST', `/webhooks/${hook.id}/deliveries/${delivery}/replay`, {}],
      ['POST', `/webhooks/${hook.id}/replay`, { since: '2026-01-01T00:00:00Z' }],
    ];
    for (const [method, path, body] of calls) {
      const res = await other.seller(method, path, body);
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
      const internal = await api(method, `/internal/api/v1/sellers/${other.sellerId}${path}`, { body, headers: internalHeaders(other.tenantId) });
      assert.equal(internal.status, 404, `internal ${method} ${path}: ${JSON.stringify(internal.body)}`);
    }
    assert.equal((await other.seller('GET', '/webhooks')).body.data.length, 0);
    assert.deepEqual(await endpointOf(owner, hook.id), before);

    const key = await api('POST', `/internal/api/v1/tenants/${owner.tenantId}/sellers/${owner.sellerId}/keys`, { body: { name: 'read-only', scopes: ['orders:read', 'webhooks:read'] }, headers: internalHeaders() });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const auth = { authorization: `Bearer ${key.body.data.api_key}` };
    const read = await api('GET', `/api/v1/sellers/${owner.sellerId}/webhooks`, { headers: auth });
    assert.equal(read.status, 200);
    const write = await api('POST', `/api/v1/sellers/${owner.sellerId}/webhooks`, { body: { url: receiver.url('/x') }, headers: auth });
    assert.equal(write.status, 403, JSON.stringify(write.body));
    assert.equal(write.body.error.code, 'insufficient_scope');
    assert.equal((await owner.seller('GET', '/webhooks')).body.data.length, 1);

    const removed = await owner.seller('DELETE', `/webhooks/${hook.id}`);
    assert.equal(removed.status, 200);
    assert.equal(await webhookDocs(owner.tenantId), 0);
  });
});
