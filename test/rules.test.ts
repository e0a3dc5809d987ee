import assert from 'node:assert/strict';
import { createHub, createTenant, eventually, http, internalHeaders, type ApiResponse, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { createOrder, orderBody, routed, setStock, settings, stored } from './stock-support.js';

const RUH = { latitude: 24.7136, longitude: 46.6753 };
const JED = { latitude: 21.4858, longitude: 39.1925 };

function tenantRules(t: TestTenant, method: string, path = '', body?: unknown): Promise<ApiResponse> {
  return http(method, `/internal/api/v1/tenants/${t.tenantId}/rules${path}`, { body, headers: internalHeaders() });
}

async function addRule(t: TestTenant, rule: Record<string, unknown>): Promise<any> {
  const res = await tenantRules(t, 'POST', '', rule);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data;
}

const codAbove2000 = {
  name: 'cod over 2000',
  conditions: { all: [{ fact: 'payment_method', operator: 'equal', value: 'cod' }, { fact: 'total', operator: 'greaterThan', value: 2000 }] },
  actions: [{ type: 'hold', reason: 'cod_verification' }, { type: 'add_tags', tags: ['big-cod'] }],
};

async function metric(name: string, rule: string): Promise<number> {
  const text = (await http('GET', '/metrics', { headers: internalHeaders() })).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{rule="${rule}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('rules: per-tenant holds, hub preferences and tags as data', () => {
  it('"cod and total > 2000 -> hold cod_verification" holds a big COD order, lets a small one through, records the firing', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1', ...RUH });
    await setStock(t, 'H1', 'SKU-1', 10);
    const before = await metric('oms_rule_firings_total', 'cod over 2000');
    const rule = await addRule(t, codAbove2000);
    assert.equal(rule.version, 1);

    const big = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 2500 } }));
    assert.deepEqual([big.status, big.hold_reason, big.reservation, big.tags], ['on_hold', 'cod_verification', null, ['big-cod']]);
    const small = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 1999 } }));
    assert.deepEqual([small.status, small.hub_code, small.tags ?? []], ['approved', 'H1', []]);
    const prepaidBig = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'prepaid', status: 'paid', currency: 'SAR', total: 5000 } }));
    assert.equal(prepaidBig.status, 'approved');

    // The firing is on the timeline once (creation), with the rule's name, version and the matching facts.
    const timeline = (await t.seller('GET', `/orders/${big.id}/timeline`)).body.data as any[];
    const fired = timeline.filter((e) => e.kind === 'rule_fired');
    assert.equal(fired.length, 1);
    assert.deepEqual([fired[0].reason, fired[0].details.rule_version, fired[0].details.rule_id], ['cod over 2000', 1, rule.id]);
    assert.deepEqual(fired[0].details.matched.map((m: any) => [m.fact, m.fact_value]), [['payment_method', 'cod'], ['total', 2500]]);
    assert.ok(!(await t.seller('GET', `/orders/${small.id}/timeline`)).body.data.some((e: any) => e.kind === 'rule_fired'));
    const routedEntry = timeline.find((e) => e.kind === 'hub_routed');
    assert.deepEqual(routedEntry.details.rules, ['cod over 2000']);
    assert.equal(big.routing!.hold_reason, 'cod_verification');
    assert.equal((big.routing!.rules as any).hold.rule, 'cod over 2000');
    assert.equal(big.rule_hold?.rule_name, 'cod over 2000');

    // Counted: Prometheus and the seller's dashboard.
    assert.equal(await metric('oms_rule_firings_total', 'cod over 2000'), before + 1);
    const dashboard = (await t.aggregator('GET', '/dashboard')).body.data;
    assert.deepEqual(dashboard.rule_firings, { 'cod over 2000': 1 });
    assert.equal(dashboard.on_hold_by_reason.cod_verification, 1);

    // A re-evaluation (approve-on-hold sweep) neither releases it nor records the firing again.
    await http('POST', `/internal/api/v1/sellers/${t.sellerId}/orders/${big.id}/routing-preview`, { headers: internalHeaders(t.tenantId) });
    await getStack().oms.container.stockRouting.approveOnHold.sweep({ tenantId: t.tenantId, sellerId: t.sellerId });
    const still = await stored(t.tenantId, big.id);
    assert.deepEqual([still.status, still.version, still.timeline.length], ['on_hold', big.version, big.timeline.length]);

    // Only an explicit approve releases it.
    const approved = await t.seller('POST', `/orders/${big.id}/approve`);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.deepEqual([approved.body.data.status, approved.body.data.hub_code], ['approved', 'H1']);
    assert.equal((await stored(t.tenantId, big.id)).rule_hold, null);
  });

  it('"sales channel amazon -> prefer hub Y" routes to Y when it has stock, says so in the explanation, and not otherwise', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'X', ...RUH, performance_score: 0.9 });
    await createHub(t.tenantId, { code: 'Y', ...JED, performance_score: 0.2 });
    await setStock(t, 'X', 'SKU-1', 10);
    await setStock(t, 'Y', 'SKU-1', 1);
    await addRule(t, { name: 'amazon via Y', conditions: { all: [{ fact: 'sales_channel', operator: 'equal', value: 'amazon' }] }, actions: [{ type: 'prefer_hubs', hub_codes: ['Y'] }] });

    const amazon = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { sales_channel: { name: 'amazon', order_id: `az-${Date.now()}` } }));
    assert.deepEqual([amazon.status, amazon.hub_code], ['approved', 'Y']);
    const candidates = amazon.routing!.candidates as any[];
    const y = candidates.find((c) => c.hub_code === 'Y');
    const x = candidates.find((c) => c.hub_code === 'X');
    assert.deepEqual([y.outcome, y.preferred_by, x.outcome, x.preferred_by], ['chosen', 'amazon via Y', 'not_best', null]);
    assert.ok(x.score > y.score, 'X scores better: Y won by the preference, not the score');
    assert.match(String(amazon.routing!.preferred_hubs_rule), /tried first/);
    assert.deepEqual((amazon.routing!.rules as any).preferred_hubs, { Y: 'amazon via Y' });

    const shopify = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]]));
    assert.equal(shopify.hub_code, 'X');
    // Y is out of stock now (its one unit is the first amazon order's): the preference yields to stock.
    const second = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { sales_channel: { name: 'amazon', order_id: `az2-${Date.now()}` } }));
    assert.equal(second.hub_code, 'X');
    assert.match((second.routing!.candidates as any[]).find((c) => c.hub_code === 'Y').rejected_because.join(), /SKU-1: needs 1, available 0/);
  });

  it('a forbidden hub is rejected with the rule name; forbidding every hub holds the order as no serviceable hub', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'X', ...RUH });
    await createHub(t.tenantId, { code: 'Y', ...JED });
    for (const h of ['X', 'Y']) await setStock(t, h, 'SKU-1', 5);
    await addRule(t, { name: 'not X for Jeddah', conditions: { all: [{ fact: 'city', operator: 'equal', value: 'Jeddah' }] }, actions: [{ type: 'forbid_hubs', hub_codes: ['X'] }] });
    const address = { line1: 'x', city: 'Jeddah', country: 'SA', latitude: RUH.latitude, longitude: RUH.longitude };
    const jeddah = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { shipping_address: address }));
    assert.equal(jeddah.hub_code, 'Y');
    assert.deepEqual((jeddah.routing!.candidates as any[]).find((c) => c.hub_code === 'X').rejected_because, ['forbidden by rule "not X for Jeddah"']);
    // Assigning to a forbidden hub is refused with the same reason, nothing changed.
    const other = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { shipping_address: address, payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 10 } }));
    assert.equal(other.hold_reason, 'payment_pending');
    const assign = await t.seller('POST', `/orders/${other.id}/assign-hub`, { hub_code: 'X' });
    assert.equal(assign.status, 409);
    assert.deepEqual(assign.body.error.details.rejected_because, ['forbidden by rule "not X for Jeddah"']);
    await addRule(t, { name: 'not Y either', conditions: { all: [{ fact: 'city', operator: 'equal', value: 'Jeddah' }] }, actions: [{ type: 'forbid_hubs', hub_codes: ['Y'] }] });
    const none = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { shipping_address: address }));
    assert.deepEqual([none.status, none.hold_reason], ['on_hold', 'no_serviceable_hub']);
  });

  it('refuses a bad rule with the path of each error and writes nothing', async () => {
    const t = await createTenant();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...codAbove2000, conditions: { all: [{ fact: 'payment_mode', operator: 'equal', value: 'cod' }] } }, 'conditions.all.0.fact'],
      [{ ...codAbove2000, conditions: { all: [{ fact: 'total', operator: 'above', value: 2000 }] } }, 'conditions.all.0.operator'],
      [{ ...codAbove2000, conditions: { any: [{ fact: 'total', operator: 'equal', value: 1 }, { fact: 'total', operator: 'greaterThan', value: 'lots' }] } }, 'conditions.any.1.value'],
      [{ ...codAbove2000, conditions: { all: [{ fact: 'payment_status', operator: 'in', value: ['paid', 'maybe'] }] } }, 'conditions.all.0.value'],
      [{ ...codAbove2000, actions: [{ type: 'hold', reason: 'no_serviceable_hub' }] }, 'actions.0.reason'],
      [{ ...codAbove2000, actions: [{ type: 'prefer_hubs', hub_codes: [] }] }, 'actions.0.hub_codes'],
      [{ ...codAbove2000, priority: 0 }, 'priority'],
    ];
    for (const [body, field] of cases) {
      const res = await tenantRules(t, 'POST', '', body);
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.deepEqual(res.body.error.details.map((d: any) => d.field), [field]);
    }
    const seller = await t.seller('POST', '/rules', { ...codAbove2000, conditions: { all: [{ fact: 'skus', operator: 'greaterThan', value: 3 }] } });
    assert.equal(seller.status, 400);
    assert.deepEqual(seller.body.error.details.map((d: any) => d.field), ['conditions.all.0.operator']);
    assert.deepEqual((await tenantRules(t, 'GET')).body.data.rules, []);
    assert.deepEqual((await tenantRules(t, 'GET', '/versions')).body.data, []);
    assert.equal((await t.seller('GET', '/rules')).body.data.version, 0);
    // A duplicate name is a conflict naming the field; an unknown tenant is a 404.
    await addRule(t, codAbove2000);
    const dup = await tenantRules(t, 'POST', '', codAbove2000);
    assert.deepEqual([dup.status, dup.body.error.details.field], [409, 'name']);
    const unknown = await http('POST', '/internal/api/v1/tenants/ten_nope/rules', { body: codAbove2000, headers: internalHeaders() });
    assert.equal(unknown.status, 404);
  });

  it('dry run: evaluates the current or a draft rule set against an order or a posted body, writing nothing', async () => {
    const t = await createTenant();
    await addRule(t, codAbove2000);
    const order = await routed(t.tenantId, await createOrder(t, [['SKU-1', 3]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 900 } }));
    const versionsBefore = (await tenantRules(t, 'GET', '/versions')).body.data.length;

    const current = await tenantRules(t, 'POST', '/dry-run', { order_id: order.id });
    assert.equal(current.status, 200, JSON.stringify(current.body));
    assert.deepEqual([current.body.data.fired, current.body.data.hold, current.body.data.rule_set.draft], [[], null, false]);

    const draft = [
      { ...codAbove2000, conditions: { all: [{ fact: 'payment_method', operator: 'equal', value: 'cod' }, { fact: 'total', operator: 'greaterThan', value: 500 }] } },
      { name: 'bulk', conditions: { all: [{ fact: 'sku_quantity', params: { sku: 'SKU-1' }, operator: 'greaterThanInclusive', value: 3 }] }, actions: [{ type: 'set_priority', priority: 9 }] },
    ];
    const run = await tenantRules(t, 'POST', '/dry-run', { order_id: order.id, rules: draft });
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const data = run.body.data;
    assert.deepEqual(data.fired.map((f: any) => f.rule), ['bulk', 'cod over 2000']);
    assert.deepEqual(data.hold, { reason: 'cod_verification', rule: 'cod over 2000' });
    assert.match(data.would.decision, /^on_hold: cod_verification/);
    assert.deepEqual([data.would.priority, data.would.tags, data.would.new_timeline_entries], [9, ['big-cod'], 2]);
    assert.equal(data.facts.total, 900);

    const posted = await t.seller('POST', '/rules/dry-run', { order: orderBody([['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 2100 } }) });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    assert.deepEqual([posted.body.data.hold?.reason, posted.body.data.order], ['cod_verification', null]);
    const badDraft = await tenantRules(t, 'POST', '/dry-run', { order_id: order.id, rules: [draft[0], { ...draft[1], conditions: { all: [{ fact: 'sku_quantity', operator: 'greaterThan', value: 1 }] } }] });
    assert.equal(badDraft.status, 400);
    assert.deepEqual(badDraft.body.error.details.map((d: any) => d.field), ['rules.1.conditions.all.0.params']);
    const badOrder = await t.seller('POST', '/rules/dry-run', { order: { order_id: 'x' } });
    assert.equal(badOrder.status, 400);
    assert.ok(badOrder.body.error.details.every((d: any) => d.field.startsWith('order.')), JSON.stringify(badOrder.body.error.details));

    const after = await stored(t.tenantId, order.id);
    assert.deepEqual([after.version, after.timeline.length, after.priority ?? null], [order.version, order.timeline.length, null]);
    assert.equal((await tenantRules(t, 'GET', '/versions')).body.data.length, versionsBefore);
    assert.equal((await t.seller('GET', '/rules')).body.data.version, 0);
  });

  it('versions every change with author and time, reads old versions, rolls back; seller rules apply to that seller only', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1', ...RUH });
    await setStock(t, 'H1', 'SKU-1', 10);
    const rule = await addRule(t, { ...codAbove2000, name: 'tag vip', actions: [{ type: 'add_tags', tags: ['vip'] }] });
    const updated = await tenantRules(t, 'PUT', `/${rule.id}`, { ...codAbove2000, name: 'tag vip', actions: [{ type: 'add_tags', tags: ['vip', 'checked'] }] });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.data.version, 2);
    const versions = (await tenantRules(t, 'GET', '/versions')).body.data;
    assert.deepEqual(versions.map((v: any) => [v.version, v.change, v.author.actor]), [[2, 'updated tag vip', 'internal'], [1, 'created tag vip', 'internal']]);
    assert.ok(versions.every((v: any) => !Number.isNaN(Date.parse(v.at))));
    const v1 = (await tenantRules(t, 'GET', '/versions/1')).body.data;
    assert.deepEqual(v1.rules[0].actions, [{ type: 'add_tags', tags: ['vip'] }]);
    const back = await tenantRules(t, 'POST', '/rollback', { version: 1 });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual([back.body.data.version, back.body.data.change], [3, 'rolled back to version 1']);
    const now = (await tenantRules(t, 'GET', `/${rule.id}`)).body.data;
    assert.deepEqual([now.actions, now.version], [[{ type: 'add_tags', tags: ['vip'] }], 3]);
    assert.equal((await tenantRules(t, 'GET', '/versions/9')).status, 404);

    // A seller's own rule, through the public API: it applies to that seller's orders only.
    const own = await t.seller('POST', '/rules', { name: 'mine', conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 0 }] }, actions: [{ type: 'add_tags', tags: ['seller-tag'] }] });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.deepEqual([own.body.data.seller_id, own.body.data.version], [t.sellerId, 1]);
    const tagged = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 2500 } }));
    // Same priority: the seller's rule comes first (the more specific one wins ties).
    assert.deepEqual(tagged.tags, ['seller-tag', 'vip']);
    const otherSeller = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/sellers`, { body: { name: 'Other', code: `o-${Date.now()}` }, headers: internalHeaders() });
    const otherOrder = await http('POST', `/api/v1/sellers/${otherSeller.body.data.id}/orders`, { body: orderBody([['SKU-1', 1]]), headers: { authorization: `Bearer ${otherSeller.body.data.api_key}` } });
    assert.deepEqual(otherOrder.body.data.tags, []);
    // Another seller cannot see or change this seller's rule.
    const foreign = await http('GET', `/api/v1/sellers/${otherSeller.body.data.id}/rules/${own.body.data.id}`, { headers: { authorization: `Bearer ${otherSeller.body.data.api_key}` } });
    assert.equal(foreign.status, 404);
    const deleted = await t.seller('DELETE', `/rules/${own.body.data.id}`);
    assert.deepEqual([deleted.status, deleted.body.data.version], [200, 2]);
  });

  it('built-in rules: listed with their settings, a tenant can disable one; a releasable hold lifts after an edit, another needs an approve', async () => {
    const t = await createTenant();
    await createHub(t.tenantId, { code: 'H1', ...RUH });
    await setStock(t, 'H1', 'SKU-1', 10);
    await settings(t.tenantId, { hold_rules: { cod_limit: 500 } });
    const list = (await tenantRules(t, 'GET')).body.data;
    assert.deepEqual(list.built_ins.map((b: any) => [b.id, b.active, b.configured_by]), [
      ['hold_unpaid_prepaid', true, 'settings.hold_rules.hold_unpaid_prepaid'],
      ['manual_review_above_total', false, 'settings.hold_rules.manual_review_above_total'],
      ['cod_limit', true, 'settings.hold_rules.cod_limit'],
    ]);
    const disabled = await tenantRules(t, 'PUT', '/hold_unpaid_prepaid', { enabled: false });
    assert.deepEqual([disabled.status, disabled.body.data.enabled, disabled.body.data.active], [200, false, false]);
    assert.equal((await tenantRules(t, 'PUT', '/hold_unpaid_prepaid', { enabled: false, conditions: {} })).status, 400);
    assert.equal((await tenantRules(t, 'DELETE', '/cod_limit')).status, 409);
    const unpaid = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'prepaid', status: 'pending', currency: 'SAR', total: 10 } }));
    assert.equal(unpaid.status, 'approved');
    const cod = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 900 } }));
    assert.deepEqual([cod.hold_reason, cod.rule_hold?.rule_id], ['manual_review', 'cod_limit']);

    await addRule(t, {
      name: 'check Jeddah addresses',
      release_when_unmatched: true,
      conditions: { all: [{ fact: 'city', operator: 'equal', value: 'Jeddah' }] },
      actions: [{ type: 'hold', reason: 'address_check' }],
    });
    await addRule(t, { name: 'review Dammam', conditions: { all: [{ fact: 'city', operator: 'equal', value: 'Dammam' }] }, actions: [{ type: 'hold', reason: 'manual_review' }] });
    const jeddah = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { shipping_address: { line1: 'x', city: 'Jeddah', country: 'SA' } }));
    assert.deepEqual([jeddah.status, jeddah.hold_reason], ['on_hold', 'address_check']);
    const dammam = await routed(t.tenantId, await createOrder(t, [['SKU-1', 1]], { shipping_address: { line1: 'x', city: 'Dammam', country: 'SA' } }));
    assert.deepEqual([dammam.status, dammam.hold_reason], ['on_hold', 'manual_review']);
    for (const o of [jeddah, dammam]) {
      const edit = await t.seller('PUT', `/orders/${o.id}`, { edit_type: 'shipping_address', shipping_address: { city: 'Riyadh' } });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
    }
    const released = await eventually('the Jeddah hold lifted after the edit', async () => {
      const o = await stored(t.tenantId, jeddah.id);
      return o.status === 'approved' ? o : null;
    });
    assert.equal(released.hub_code, 'H1');
    await getStack().oms.container.stockRouting.approveOnHold.sweep({ tenantId: t.tenantId, sellerId: t.sellerId });
    assert.deepEqual([(await stored(t.tenantId, dammam.id)).status, (await stored(t.tenantId, dammam.id)).hold_reason], ['on_hold', 'manual_review']);
  });
});
