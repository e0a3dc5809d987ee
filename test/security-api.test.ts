import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withOverrides } from '../configs/config.js';
import { JwtVerifier } from '../core/tenant/jwt-verifier.js';
import { CredentialCache } from '../core/tenant/credential-cache.js';
import { RedisEvents } from '../core/platform/redis-events.js';
import { RateLimitRepository } from '../core/tenant/rate-limit.repository.js';
import { RateLimits } from '../router/middleware/rate-limit.js';
import { createApp } from '../router/app.js';
import { getStack } from './support/stack.js';
import { createTenant, http, internalHeaders } from './support/api.js';
import { orderBody, stockedHub } from './fulfilment.fixtures.js';

async function orderCount(tenantId: string): Promise<number> {
  return getStack().oms.container.platform.mongo.db.collection('orders').countDocuments({ tenant_id: tenantId });
}

describe('security: input, credentials, limits, headers', () => {
  it('answers bad encodings, NUL, unsendable characters and bad escapes with 4xx naming the field, never 500', async () => {
    const t = await createTenant();
    const plain = JSON.stringify(orderBody([{ sku: 'S', quantity: 1 }]));
    // deflate header over a plain body: without credentials 401 (nothing is read), with them 400
    const anon = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { raw: plain, headers: { 'content-encoding': 'deflate' } });
    assert.equal(anon.status, 401);
    const bad = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { raw: plain, headers: { 'content-encoding': 'deflate', authorization: `Bearer ${t.apiKey}` } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /not valid deflate data/);
    const bogus = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { raw: plain, headers: { 'content-encoding': 'x-rot13', authorization: `Bearer ${t.apiKey}` } });
    assert.equal(bogus.status, 415);
    // a real deflated body is read
    await stockedHub(t, 'H1', { S: 5 });
    const res = await fetch(`${getStack().baseUrl}/api/v1/sellers/${t.sellerId}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', authorization: `Bearer ${t.apiKey}` },
      body: deflateSync(Buffer.from(plain)),
    });
    assert.equal(res.status, 201, await res.text());
    // NUL in a string field, U+FFFF in a field, a NUL in a path id, a bad escape in seller_id
    const nul = await t.seller('POST', '/orders', orderBody([{ sku: 'S\u0000', quantity: 1 }]));
    assert.equal(nul.status, 400);
    assert.deepEqual(nul.body.error.details.map((d: any) => d.field), ['order_items.0.seller_sku_code']);
    const ffff = await t.seller('POST', '/shipments', { order_id: 'x', courier: 'DHL\uFFFF', awb: 'A1' });
    assert.equal(ffff.status, 400);
    assert.deepEqual(ffff.body.error.details.map((d: any) => d.field), ['courier']);
    assert.equal((await t.seller('GET', '/orders/ord%00x')).status, 400);
    const esc = await http('GET', '/api/v1/sellers/%ZZ/orders', { headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(esc.status, 400);
    assert.equal(esc.body.error.details[0].field, 'path');
    assert.equal(await orderCount(t.tenantId), 1);
  });

  it('authenticates before reading a body, and refuses deep bodies quickly', async () => {
    const t = await createTenant();
    const deep = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const started = Date.now();
    const anon = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { raw: deep });
    assert.equal(anon.status, 401);
    const authed = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { raw: deep, headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(authed.status, 400);
    assert.match(authed.body.error.message, /nested deeper/);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('sets security headers on every response', async () => {
    const t = await createTenant();
    for (const res of [await http('GET', '/health/live'), await t.seller('GET', '/hubs'), await http('GET', '/api/v1/sellers/x/hubs')]) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
  });

  it('issues scoped keys: a key without the route scope is 403, rotation keeps the old key for the grace, revocation is immediate', async () => {
    const t = await createTenant();
    const base = `/internal/api/v1/tenants/${t.tenantId}/sellers/${t.sellerId}/keys`;
    const issued = await http('POST', base, { body: { name: 'reader', scopes: ['orders:read'] }, headers: internalHeaders() });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const reader = { authorization: `Bearer ${issued.body.data.api_key}` };
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders`, { headers: reader })).status, 200);
    const write = await http('POST', `/api/v1/sellers/${t.sellerId}/orders`, { body: orderBody([{ sku: 'S', quantity: 1 }]), headers: reader });
    assert.equal(write.status, 403);
    assert.equal(write.body.error.code, 'insufficient_scope');
    assert.equal(await orderCount(t.tenantId), 0);
    const bad = await http('POST', base, { body: { name: 'x', scopes: ['root'] }, headers: internalHeaders() });
    assert.equal(bad.status, 400);

    const rotated = await http('POST', `${base}/${issued.body.data.id}/rotate`, { body: { grace_seconds: 600 }, headers: internalHeaders() });
    assert.equal(rotated.status, 200);
    const next = { authorization: `Bearer ${rotated.body.data.api_key}` };
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders`, { headers: reader })).status, 200, 'old key inside its grace');
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders`, { headers: next })).status, 200);
    const revoked = await http('POST', `${base}/${rotated.body.data.id}/revoke`, { headers: internalHeaders() });
    assert.equal(revoked.status, 200);
    assert.equal((await http('GET', `/api/v1/sellers/${t.sellerId}/orders`, { headers: next })).status, 401);
    const list = await http('GET', base, { headers: internalHeaders() });
    assert.equal(list.body.data.length, 3);
    assert.ok(list.body.data.every((k: any) => !('api_key' in k) && !('hash' in k)));
    assert.ok(list.body.data.find((k: any) => k.id === issued.body.data.id).last_used_at);
    // the seller's first key has every seller scope and can be revoked too
    const initial = list.body.data.find((k: any) => k.name === 'initial');
    assert.ok(initial.scopes.includes('orders:write'));
    await http('POST', `${base}/${initial.id}/revoke`, { headers: internalHeaders() });
    assert.equal((await t.seller('GET', '/hubs')).status, 401);
    const audit = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/audit-log`, { headers: internalHeaders() });
    const actions = audit.body.data.map((e: any) => e.action);
    assert.deepEqual(actions.filter((a: string) => a.startsWith('api_key')).sort(), ['api_key.issued', 'api_key.issued', 'api_key.issued', 'api_key.revoked', 'api_key.revoked', 'api_key.rotated']);
    assert.ok(audit.body.data.every((e: any) => e.actor && e.at));
  });

  it('gives each calling service its own token, limited to its tenants and scopes, named in the audit log', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const issued = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'billing', tenants: [a.tenantId], scopes: ['orders:read', 'tenants:write'] }, headers: internalHeaders() });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const svc = (tenantId: string) => ({ 'x-internal-token': issued.body.data.token, 'x-tenant-id': tenantId });
    assert.equal((await http('GET', `/internal/api/v1/sellers/${a.sellerId}/orders`, { headers: svc(a.tenantId) })).status, 200);
    assert.equal((await http('GET', `/internal/api/v1/sellers/${b.sellerId}/orders`, { headers: svc(b.tenantId) })).status, 404);
    assert.equal((await http('POST', `/internal/api/v1/sellers/${a.sellerId}/orders`, { body: orderBody([{ sku: 'S', quantity: 1 }]), headers: svc(a.tenantId) })).status, 403);
    assert.equal((await http('PUT', `/internal/api/v1/tenants/${b.tenantId}/settings`, { body: { auto_approval: false }, headers: svc(b.tenantId) })).status, 404);
    assert.equal((await http('POST', '/internal/api/v1/tenants', { body: { name: 'x' }, headers: svc(a.tenantId) })).status, 403);
    const set = await http('PUT', `/internal/api/v1/tenants/${a.tenantId}/settings`, { body: { auto_approval: false }, headers: svc(a.tenantId) });
    assert.equal(set.status, 200);
    const audit = await http('GET', `/internal/api/v1/tenants/${a.tenantId}/audit-log?action=settings.updated`, { headers: internalHeaders() });
    assert.equal(audit.body.data[0].actor, 'service:billing');
    assert.ok(audit.body.data[0].request_id);
    await http('POST', `/internal/api/v1/service-tokens/${issued.body.data.id}/revoke`, { headers: internalHeaders() });
    assert.equal((await http('GET', `/internal/api/v1/sellers/${a.sellerId}/orders`, { headers: svc(a.tenantId) })).status, 401);
  });

  it('rate-limits per key with 429, Retry-After and RateLimit headers (limits set per tenant)', async () => {
    const t = await createTenant();
    const set = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/rate-limits`, { body: { key_per_minute: 3, tenant_per_minute: null }, headers: internalHeaders() });
    assert.equal(set.status, 200);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await t.seller('GET', '/hubs');
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.ok(Number(last!.headers.get('retry-after')) >= 1);
    assert.equal(last!.headers.get('ratelimit-limit'), '3');
    assert.equal(last!.body.error.code, 'rate_limited');
  });

  it('rate-limits per tenant too, under a tenant budget smaller than its key\'s', async () => {
    const t = await createTenant();
    const set = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/rate-limits`, { body: { key_per_minute: 100, tenant_per_minute: 2 }, headers: internalHeaders() });
    assert.equal(set.status, 200);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await t.seller('GET', '/hubs');
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.equal(last!.body.error.code, 'rate_limited');
    assert.equal(last!.body.error.details.scope, 'tenant');
    assert.equal(last!.headers.get('ratelimit-limit'), '2');
  });

  it('drops a changed credential from every process at once, though each keeps warm ones in memory', async () => {
    const { platform } = getStack().oms.container;
    const prefix = `${getStack().config.redis.key_prefix}xproc:`;
    // Two processes' worth: each its own connections, pub/sub subscriber and in-memory cache.
    const [redisA, redisB] = [platform.redis.duplicate(), platform.redis.duplicate()];
    const [eventsA, eventsB] = [new RedisEvents(redisA, prefix), new RedisEvents(redisB, prefix)];
    try {
      // Like the platform's client (core/platform/redis.ts: lazy, failing fast instead of queueing), each is connected before use.
      await Promise.all([redisA.connect(), redisB.connect()]);
      const a = await CredentialCache.create<{ v: number }>(redisA, eventsA, 'cred:test');
      const b = await CredentialCache.create<{ v: number }>(redisB, eventsB, 'cred:test');
      let stored: { v: number } | null = { v: 1 };
      let reads = 0;
      const load = async () => {
        reads += 1;
        return stored;
      };
      assert.deepEqual(await a.get('h1', load), { v: 1 });
      assert.deepEqual(await b.get('h1', load), { v: 1 });
      const warm = reads;
      assert.deepEqual(await b.get('h1', load), { v: 1 });
      assert.equal(reads, warm, 'a warm credential costs no store read');
      stored = null; // revoked
      await a.changed('h1');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await b.get('h1', load), null, 'the other process no longer accepts it');
    } finally {
      eventsA.close();
      eventsB.close();
      redisA.disconnect();
      redisB.disconnect();
    }
  });

  it('limits failed authentications per IP in Redis, then refuses that IP before any work; valid keys pay nothing per IP', async () => {
    const t = await createTenant();
    const stack = getStack();
    const { platform } = stack.oms.container;
    // An address of this test's own (proxy: true), so the shared per-IP budget of other tests is untouched.
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
    const config = withOverrides(stack.config, { 'auth.rate_limit.ip_per_minute': 3 });
    const container = stack.oms.container;
    const app = createApp(
      {
        config,
        logger: platform.logger,
        metrics: platform.metrics,
        telemetry: platform.telemetry,
        tenants: container.tenancy.tenants,
        health: [],
        security: { ...container.tenancy.security, rateLimits: new RateLimits(platform.redis, config.auth.rate_limit, new RateLimitRepository(platform.mongo.db)) },
      },
      (groups) => {
        for (const module of container.modules) module.routes?.(groups);
      },
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/sellers/${t.sellerId}/orders`;
      const as = (key: string) => fetch(url, { headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': ip } });
      // Valid requests from the address do not spend its budget.
      for (let i = 0; i < 5; i++) assert.equal((await as(t.apiKey)).status, 200);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await as(`oms_${t.tenantId}_${'x'.repeat(32)}`)).status);
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      // Blocked now: even a valid key from that address is refused, with Retry-After.
      const blocked = await as(t.apiKey);
      assert.equal(blocked.status, 429);
      assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    } finally {
      server.close();
    }
  });

  it('accepts a platform JWT (tenant, seller and roles mapped to scopes), and refuses a forged one', async () => {
    const t = await createTenant();
    const stack = getStack();
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const config = withOverrides(stack.config, { 'auth.jwt.public_key': await exportSPKI(publicKey), 'auth.jwt.algorithms': ['ES256'], 'auth.jwt.issuer': 'idp' });
    const container = stack.oms.container;
    const jwt = await JwtVerifier.create(config.auth.jwt);
    const app = createApp(
      { config, logger: container.platform.logger, metrics: container.platform.metrics, telemetry: container.platform.telemetry, tenants: container.tenancy.tenants, health: [], security: { ...container.tenancy.security, jwt } },
      (groups) => {
        for (const module of container.modules) module.routes?.(groups);
      },
    );
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/sellers/${t.sellerId}`;
      const token = (roles: string[], key = privateKey) =>
        new SignJWT({ tenant_id: t.tenantId, seller_id: t.sellerId, roles }).setProtectedHeader({ alg: 'ES256' }).setIssuer('idp').setSubject('user-7').setExpirationTime('5m').sign(key);
      const viewer = await token(['seller_viewer']);
      assert.equal((await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200);
      const write = await fetch(`${url}/orders`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(write.status, 403);
      const other = await generateKeyPair('ES256');
      assert.equal((await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${await token(['seller_admin'], other.privateKey)}` } })).status, 401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
