import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALL_SCOPES } from '../router/scopes.js';
import { createHub, createTenant, http, internalHeaders, type TestTenant } from './support/api.js';
import { approvedOrder, stockedHub } from './fulfilment.fixtures.js';
import { getStack } from './support/stack.js';
import { fillPath, quietSnapshot, routeTable, validBody, type Route, type WorldIds } from './support/surface.js';

const SEED = 20261113;
const NUM_RUNS = 800;
const PER_ITEM = new Set(['/orders/bulk-create', '/shipments/bulk']);
const RESOURCE_PARAMS = ['order_id', 'shipment_id', 'return_id', 'key_id', 'integration_id', 'effect_id', 'event_id', 'token_id', 'rule_id', 'version', 'queue', 'stage', 'endpoint_id', 'delivery_id'];

/** Values no field of any write route accepts, by the JSON type of the field they replace. */
const OPERATORS = [{ $gt: '' }, { $ne: null }, { $where: 'sleep(1000)' }, { $regex: '.*' }];
const DEEP = JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown;
const bad = {
  operator: fc.constantFrom(...OPERATORS),
  text: fc.constantFrom('\u0000', 'a\u0000b', '\uFFFF', 'x\uFFFE', '\uD800', 'ok\uDC00'),
  huge: fc.constantFrom('x'.repeat(300_000), 'é'.repeat(100_000)),
  hugeArray: fc.constantFrom(new Array(50_000).fill(7), new Array(20_000).fill({ $gt: '' })),
  deep: fc.constant(DEEP),
  wrongType: fc.constantFrom<unknown>(12, -1.5, true, [], {}, [1, 2], 'abc', '12'),
};

type Leaf = { path: (string | number)[]; value: unknown };

/** Every node of a body below its root: the places one bad value can go. */
function leaves(value: unknown, path: (string | number)[] = []): Leaf[] {
  const out: Leaf[] = path.length ? [{ path, value }] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...leaves(v, [...path, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...leaves(v, [...path, k]));
  return out;
}

/** A replacement that is wrong for the node it replaces whatever its schema: a type it is not, or text SQS cannot carry. */
function wrongFor(original: unknown, pick: { kind: keyof typeof bad; value: unknown }): unknown {
  if (pick.kind === 'text') return typeof original === 'string' ? `${original}${pick.value as string}` : pick.value;
  if (pick.kind === 'wrongType') {
    const sameType = typeof pick.value === typeof original && Array.isArray(pick.value) === Array.isArray(original);
    if (sameType || (typeof original === 'number' && pick.value === '12')) return typeof original === 'string' ? 12 : 'abc';
    return pick.value;
  }
  if (pick.kind === 'huge' && typeof original !== 'string') return pick.value; // a string where no string goes
  return pick.value;
}

function setAt(body: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

/** Path ids that do not decode, carry NUL or U+FFFF, look like operators or are far too long. */
const badId = fc.oneof(
  fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%00', 'a%00b', '%EF%BF%BF', '%ED%A0%80', '%C0%AF', '%FF', '%24gt', encodeURIComponent('{"$gt":""}'), 'a'.repeat(3000)),
  fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${encodeURIComponent(s)}%`),
);

const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,]', "{'a':1}", '{"a":1}garbage', 'NaN', '\uFEFF{}', '{"a":"\\u00"}', `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`),
  // any text that is not JSON, or JSON that is not an object (null and blank stand for "no body" and are left out)
  fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
    try {
      const v = JSON.parse(s) as unknown;
      return v !== null && typeof v !== 'object';
    } catch {
      return s.trim() !== '';
    }
  }),
);

const attack = fc.oneof(
  fc.record({ kind: fc.constant('leaf' as const), at: fc.nat(), pick: fc.oneof(...Object.entries(bad).map(([kind, arb]) => arb.map((value) => ({ kind: kind as keyof typeof bad, value })))) }),
  fc.record({ kind: fc.constant('whole' as const), body: fc.constantFrom<unknown>(7, 'text', true, [], [{}], ...OPERATORS, DEEP) }),
  fc.record({ kind: fc.constant('raw' as const), text: malformedJson }),
  fc.record({ kind: fc.constant('encoding' as const), encoding: fc.constantFrom('gzip', 'deflate', 'br', 'x-rot13', 'gzip, gzip', 'compress', 'deflate;q=1') }),
  fc.record({ kind: fc.constant('content_type' as const), type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/xml') }),
  fc.record({ kind: fc.constant('path' as const), id: badId, which: fc.nat() }),
);

interface Fuzzed {
  t: TestTenant;
  token: string;
  world: WorldIds;
  ids: Record<string, string>;
}

async function fuzzWorld(): Promise<Fuzzed> {
  const t = await createTenant('Fuzzed');
  await stockedHub(t, 'H1', { A: 10 });
  await createHub(t.tenantId, { code: 'H2' });
  const order = await approvedOrder(t, [{ sku: 'A', quantity: 1 }]);
  const shipment = await t.seller('POST', '/shipments', { order_id: order.id, courier: 'smsa', awb: `F-${order.id}` });
  assert.equal(shipment.status, 201, JSON.stringify(shipment.body));
  const keys = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/sellers/${t.sellerId}/keys`, { headers: internalHeaders() });
  const integ = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/courier-integrations`, { body: { courier: 'smsa' }, headers: internalHeaders() });
  const svc = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'fuzz-svc', tenants: [t.tenantId], scopes: [...ALL_SCOPES] }, headers: internalHeaders() });
  assert.equal(svc.status, 201, JSON.stringify(svc.body));
  const rule = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/rules`, { body: { name: 'victim-rule', priority: 100, enabled: true, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 999999 }] }, actions: [{ type: 'add_tags', tags: ['victim'] }] }, headers: internalHeaders() });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  return {
    t,
    token: svc.body.data.token,
    world: { tenantId: t.tenantId, sellerId: t.sellerId, orderId: order.id, hubs: ['H1', 'H2'], sku: 'A' },
    ids: {
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: order.id,
      shipment_id: shipment.body.data.id ?? shipment.body.data.shipment_id,
      key_id: keys.body.data[0].id,
      integration_id: integ.body.data.id,
      // no return, effect, parked event or token of this tenant exists: well-formed strangers
      return_id: 'ret_000000000000000000000000',
      effect_id: 'eff_000000000000000000000000',
      event_id: 'evt-00000000-0000-0000-0000-000000000000',
      token_id: 'tok_000000000000000000000000',
      // a real rule id would make a body-less DELETE a valid request: a well-formed stranger
      rule_id: rule.body.data.id.replace(/[0-9a-f]/g, '0'),
      queue: 'oms-create-order-queue',
      // a notification template: every tenant has one for each stage and channel (the default)
      stage: 'order_confirmed',
      channel: 'email',
      version: '1',
      // a real endpoint id would make a body-less DELETE or enable a valid request: well-formed strangers
      endpoint_id: 'whe_000000000000000000000000',
      delivery_id: 'whd_000000000000000000000000',
    },
  };
}

function credentials(route: Route, f: Fuzzed): Record<string, string> {
  if (route.kind === 'public') return { authorization: `Bearer ${f.t.apiKey}` };
  if (route.kind === 'internal_seller') return { 'x-internal-token': f.token, 'x-tenant-id': f.t.tenantId };
  return { 'x-internal-token': f.token };
}

describe('security: fuzzing every write route', () => {
  it(`answers ${NUM_RUNS} generated bad requests with 4xx, never 5xx, and writes nothing`, async function () {
    this.timeout(180_000);
    const f = await fuzzWorld();
    const routes = (await routeTable()).filter((r) => r.method !== 'GET' && r.kind !== 'open' && r.kind !== 'aggregator');
    assert.ok(routes.length >= 40, `${routes.length} write routes`);
    const before = await quietSnapshot(f.t.tenantId);
    const statuses = new Map<number, number>();

    const property = fc.asyncProperty(fc.constantFrom(...routes), attack, async (route, a) => {
      const baseline = validBody(route, f.world);
      // Bulk routes answer per item by design (a bad item is a failed item of an accepted job): only their envelope must be whole.
      const spots = leaves(baseline).filter((l) => !PER_ITEM.has(route.relative) || l.path.length === 1);
      // Real ids only where the body itself is certainly wrong; any other attack aims at ids that exist nowhere.
      const realIds = (a.kind === 'leaf' && spots.length > 0) || a.kind === 'encoding' || a.kind === 'content_type';
      const ids: Record<string, string> = { ...f.ids };
      if (!realIds) for (const p of route.params) if (RESOURCE_PARAMS.includes(p)) ids[p] = `${p.split('_')[0]}_nope${p.length}`;
      let body: unknown = baseline;
      let raw: string | undefined;
      const headers: Record<string, string> = credentials(route, f);
      if (a.kind === 'leaf') {
        const spot = spots[a.at % Math.max(spots.length, 1)];
        body = spot ? setAt(baseline, spot.path, wrongFor(spot.value, a.pick)) : { [`$x${a.pick.kind}`]: a.pick.value };
      } else if (a.kind === 'whole') body = a.body;
      else if (a.kind === 'raw') raw = a.text;
      else if (a.kind === 'encoding') headers['content-encoding'] = a.encoding;
      else if (a.kind === 'content_type') headers['content-type'] = a.type;
      else if (route.params.length) ids[route.params[a.which % route.params.length] as string] = a.id;
      const path = fillPath(route.template, ids);
      const res = await http(route.method, path, { body, raw, headers });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const what = `${route.method} ${path.slice(0, 200)} (${a.kind}) -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
      assert.ok(res.status >= 400 && res.status < 500, what);
      assert.ok(res.body?.error?.code, `no error body: ${what}`);
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true });
    } catch (err) {
      const cause = (err as Error).cause as Error | undefined;
      throw new Error(`fuzz failed (seed ${SEED}): ${(err as Error).message}\n${cause?.message ?? ''}`, { cause: err });
    }
    console.log(`      statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    const after = await quietSnapshot(f.t.tenantId);
    assert.deepEqual(after, before);
    // the store itself is fine after all of it
    assert.equal((await getStack().oms.container.platform.mongo.db.collection('orders').countDocuments({ tenant_id: f.t.tenantId })), 1);
  });

  it('answers a body that is not the brotli it claims to be with 400 naming the header (was 500)', async () => {
    const t = await createTenant();
    const res = await t.seller('POST', '/shipments', { order_id: 'x', courier: 'smsa', awb: 'A1' }, { 'content-encoding': 'br' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.field, 'header.content-encoding');
    assert.match(res.body.error.message, /not valid br data/);
  });
});
