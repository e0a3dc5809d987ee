import assert from 'node:assert/strict';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Sequences } from '../core/platform/dynamo.js';
import { TABLES } from '../localstack/resources.js';
import { createTenant, createHub, http, internalHeaders } from './support/api.js';
import { getStack } from './support/stack.js';
import { uid } from './orders-support.js';

describe('platform: routers, auth, health, docs', () => {
  it('answers liveness and readiness with every store checked', async () => {
    assert.equal((await http('GET', '/health/live')).status, 200);
    const ready = await http('GET', '/health/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { mongodb: 'ok', redis: 'ok', sqs: 'ok' });
  });

  it('serves Prometheus metrics (to an internal token only) and an OpenAPI 3 document of the routes', async () => {
    assert.equal((await http('GET', '/metrics')).status, 401);
    const metrics = await http('GET', '/metrics', { headers: internalHeaders() });
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /oms_http_requests_total/);
    const doc = await http('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    assert.ok(doc.body.paths['/api/v1/sellers/{seller_id}/hubs']);
    // The internal surface has its own document, behind the service token.
    assert.equal(doc.body.paths['/internal/api/v1/tenants/{tenant_id}/sellers'], undefined);
    assert.equal((await http('GET', '/internal/openapi.json')).status, 401);
    const internal = await http('GET', '/internal/openapi.json', { headers: internalHeaders() });
    assert.equal(internal.status, 200);
    assert.ok(internal.body.paths['/internal/api/v1/tenants/{tenant_id}/sellers']);
    assert.equal(internal.body.paths['/api/v1/sellers/{seller_id}/hubs'], undefined);
  });

  it('creates a tenant and seller; the API key is shown once and works only for its seller', async () => {
    const a = await createTenant();
    const b = await createTenant();
    assert.match(a.apiKey, /^oms_ten_/);
    assert.equal((await a.seller('GET', '/hubs')).status, 200);
    // another seller's path with my key: 404, exactly as a missing seller
    const cross = await http('GET', `/api/v1/sellers/${b.sellerId}/hubs`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    assert.equal(cross.status, 404);
    assert.equal(cross.body.error.code, 'not_found');
    const missing = await http('GET', `/api/v1/sellers/sel_nope/hubs`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    assert.equal(missing.status, 404);
  });

  it('refuses missing and wrong credentials with 401 and the error envelope', async () => {
    const t = await createTenant();
    const none = await http('GET', `/api/v1/sellers/${t.sellerId}/hubs`);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.ok(none.body.error.request_id);
    const bad = await http('GET', `/api/v1/sellers/${t.sellerId}/hubs`, { headers: { authorization: `Bearer oms_${t.tenantId}_forgedforgedforgedforged` } });
    assert.equal(bad.status, 401);
    const internal = await http('POST', '/internal/api/v1/tenants', { body: { name: 'x' }, headers: { 'x-internal-token': 'wrong-token-123' } });
    assert.equal(internal.status, 401);
  });

  it('validates bodies field by field and writes nothing on failure', async () => {
    const t = await createTenant();
    const res = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/hubs`, {
      body: { code: 'bad code!', name: '', latitude: 200, longitude: 'x' },
      headers: internalHeaders(),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'validation_failed');
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ['code', 'latitude', 'longitude', 'name']);
    assert.deepEqual((await t.seller('GET', '/hubs')).body.data, []);
  });

  it('rejects malformed JSON with 400 and unknown routes with 404', async () => {
    const res = await http('POST', '/internal/api/v1/tenants', { raw: '{"name": ', headers: internalHeaders() });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'bad_request');
    assert.equal((await http('GET', '/nope')).status, 404);
  });

  it('creates hubs once per code and lists them for the seller', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1' });
    const dup = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/hubs`, {
      body: { code: 'H1', name: 'again', latitude: 1, longitude: 1 },
      headers: internalHeaders(),
    });
    assert.equal(dup.status, 409);
    const list = await t.seller('GET', '/hubs');
    assert.deepEqual(list.body.data.map((h: { code: string }) => h.code), ['H1']);
  });

  it('updates tenant settings partially and validates weights', async () => {
    const t = await createTenant();
    const ok = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { auto_approval: false, routing: { proximity_weight: 0.9 } }, headers: internalHeaders() });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.auto_approval, false);
    assert.equal(ok.body.data.routing.proximity_weight, 0.9);
    assert.equal(ok.body.data.routing.performance_weight, 0.7);
    const bad = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/settings`, { body: { routing: { proximity_weight: 2 } }, headers: internalHeaders() });
    assert.equal(bad.status, 400);
    const missing = await http('PUT', `/internal/api/v1/tenants/ten_missing/settings`, { body: { auto_approval: true }, headers: internalHeaders() });
    assert.equal(missing.status, 404);
  });

  it('hands out numbers in blocks per process: never a duplicate, one store call per block (ADR 0018)', async () => {
    const { config, dynamo } = getStack().oms.container.platform;
    const table = `${config.aws.dynamodb.table_prefix}${TABLES.sequences.name}`;
    const tenant = `t-${uid()}`;
    // Two processes, each with its own blocks of 5, taking 23 numbers at once between them.
    const [a, b] = [new Sequences(dynamo, table), new Sequences(dynamo, table)];
    let calls = 0;
    const counted = { send: (cmd: Parameters<typeof dynamo.send>[0]) => (calls++, dynamo.send(cmd)) } as unknown as typeof dynamo;
    const c = new Sequences(counted, table);
    const numbers = await Promise.all([
      ...Array.from({ length: 8 }, () => a.next(tenant, 'order', 5)),
      ...Array.from({ length: 8 }, () => b.next(tenant, 'order', 5)),
      ...Array.from({ length: 7 }, () => c.next(tenant, 'order', 5)),
    ]);
    assert.equal(new Set(numbers).size, numbers.length, `duplicates in ${numbers.join(',')}`);
    assert.ok(numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= 30), numbers.join(','));
    assert.equal(calls, 2, 'seven numbers of blocks of five: two store calls, shared by concurrent callers');
    // Within a process, numbers rise; blocks of one still work as before.
    const fromC = numbers.slice(16);
    assert.deepEqual([...fromC].sort((x, y) => x - y), fromC);
    assert.equal(await a.next(tenant, 'other'), 1);
    assert.equal(await a.next(tenant, 'other'), 2);
  });

  it('claims gapless numbers for 30 racing owners across two processes: 1..30, each once; a second delivery for an owner gets its number', async () => {
    const { config, dynamo } = getStack().oms.container.platform;
    const table = `${config.aws.dynamodb.table_prefix}${TABLES.sequences.name}`;
    const tenant = `t-${uid()}`;
    const [a, b] = [new Sequences(dynamo, table), new Sequences(dynamo, table)];
    const owners = Array.from({ length: 30 }, (_, i) => `o-${i}`);
    const numbers = await Promise.all(owners.map((owner, i) => (i % 2 ? a : b).claim(tenant, 'invoice', owner)));
    assert.deepEqual([...numbers].sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i + 1));
    // The same owners again, twice at once each: every one answers its own number.
    const again = await Promise.all(owners.flatMap((owner) => [a.claim(tenant, 'invoice', owner), b.claim(tenant, 'invoice', owner)]));
    assert.deepEqual(again, numbers.flatMap((n) => [n, n]));
    assert.equal(await a.claim(tenant, 'invoice', 'o-new'), 31);
  });

  it('finds the slot of an attempt that crashed before recording it, after others moved the hint past it: no gap', async () => {
    const { config, dynamo } = getStack().oms.container.platform;
    const table = `${config.aws.dynamodb.table_prefix}${TABLES.sequences.name}`;
    const tenant = `t-${uid()}`;
    const base = `seq#${tenant}#invoice`;
    const seq = new Sequences(dynamo, table);
    assert.deepEqual([await seq.claim(tenant, 'invoice', 'a'), await seq.claim(tenant, 'invoice', 'b')], [1, 2]);
    // Owner "y" began at 3 and took slot 3, then its process died before it recorded the number.
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `${base}#owner#y` }, from: { N: '3' } } }));
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `${base}#slot#3` }, owner: { S: 'y' } } }));
    // Others claim past it; the hint moves to 6.
    assert.deepEqual(await Promise.all(['c', 'd', 'e'].map((o) => seq.claim(tenant, 'invoice', o))).then((ns) => ns.sort()), [4, 5, 6]);
    // y's retry walks from where it began and finds its own slot: 3, not 7.
    assert.equal(await seq.claim(tenant, 'invoice', 'y'), 3);
    assert.equal(await seq.claim(tenant, 'invoice', 'f'), 7);
  });
});
