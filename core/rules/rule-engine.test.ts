import assert from 'node:assert/strict';
import type { HoldReason, Order } from '../domain/order.js';
import { AppError } from '../domain/errors.js';
import type { Hub } from '../hub/hub.types.js';
import { evaluateHoldRules } from '../hub_routing/hold-rules.js';
import { planRouting } from '../hub_routing/routing-plan.js';
import type { TenantSettings } from '../tenant/tenant.types.js';
import { compileRules } from './rule-book.js';
import { orderFacts, type OrderForRules } from './rule-facts.js';
import { effectsOn, outcomeOf } from './rule-outcome.js';
import { parseRule } from './rule.schemas.js';
import type { Rule, RuleInput } from './rule.types.js';

function order(payment: Partial<Order['payment']> = {}, extra: Partial<OrderForRules> = {}): OrderForRules {
  return {
    seller_id: 'sel_1',
    sales_channel: { name: 'shopify', order_id: 'x' },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 2, unit_price: 10, sales_channel_order_item_id: null }],
    customer: { name: 'A', email: 'A@Example.com', phone: null },
    shipping_address: { line1: 'x', line2: null, city: 'Riyadh', state: null, country: 'SA', postal_code: null, latitude: null, longitude: null },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10, ...payment },
    hub_code: null,
    created_at: new Date('2026-01-05T22:30:00Z'),
    tags: [],
    ...extra,
  };
}

const ISSUE_16_SETTINGS: Pick<TenantSettings, 'courier' | 'sla' | 'fulfilment' | 'invoicing'> = {
  courier: { book_on: 'packed', carriers: [] },
  fulfilment: { policy: 'single_hub', max_parts: 2 },
  invoicing: { per: 'order' },
  sla: { approve_within_hours: null, ship_within_hours: null, deliver_within_hours: null, at_risk_ratio: 0.8, channels: [], hubs: [] },
};

function settings(holdRules: TenantSettings['hold_rules']): TenantSettings {
  return { auto_approval: true, routing: { proximity_weight: 0.3, performance_weight: 0.7 }, hold_rules: holdRules, low_stock_threshold: 0, payment: { on_failure: 'cancel', auto_release: true, reservation_timeout_s: 900 }, ...ISSUE_16_SETTINGS };
}

function rule(input: Partial<RuleInput> & Pick<RuleInput, 'conditions' | 'actions'>, id = 'r1'): Rule {
  const parsed = parseRule({ name: id, ...input });
  return { ...parsed, id, version: 3, built_in: false, seller_id: null };
}

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError && err.code === 'validation_failed', String(err));
    return (err.details as { field: string }[]).map((d) => d.field);
  }
  assert.fail('expected a validation error');
}

describe('rules (pure)', () => {
  it('built-in rules decide exactly as the hold rules they replace, for every setting and payment', async () => {
    const grid: TenantSettings['hold_rules'][] = [
      { hold_unpaid_prepaid: true, manual_review_above_total: null, cod_limit: null },
      { hold_unpaid_prepaid: false, manual_review_above_total: 1000, cod_limit: 300 },
      { hold_unpaid_prepaid: true, manual_review_above_total: 1000, cod_limit: 300 },
    ];
    let compared = 0;
    for (const holdRules of grid) {
      const compiled = compileRules(settings(holdRules), null, null);
      for (const method of ['cod', 'prepaid'] as const) {
        for (const status of ['pending', 'paid', 'failed'] as const) {
          for (const total of [10, 300, 301, 1000, 1500]) {
            const o = order({ method, status, total });
            const outcome = outcomeOf(await compiled.evaluate(orderFacts(o)));
            assert.equal(outcome.hold?.reason ?? null, evaluateHoldRules(holdRules, o), `${JSON.stringify(holdRules)} ${method} ${status} ${total}`);
            compared += 1;
          }
        }
      }
    }
    assert.equal(compared, 90);
  });

  it('refuses a bad rule naming the path of each problem', () => {
    const base = { name: 'r', actions: [{ type: 'hold', reason: 'cod_verification' }] };
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ fact: 'totl', operator: 'greaterThan', value: 1 }] } })), ['conditions.all.0.fact']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { any: [{ fact: 'total', operator: 'bigger', value: 1 }] } })), ['conditions.any.0.operator']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ fact: 'city', operator: 'greaterThan', value: 1 }] } })), ['conditions.all.0.operator']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: '2000' }] } })), ['conditions.all.0.value']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ not: { fact: 'payment_method', operator: 'equal', value: 'card' } }] } })), ['conditions.all.0.not.value']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ fact: 'sku_quantity', operator: 'greaterThan', value: 1 }] } })), ['conditions.all.0.params']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { fact: 'total', operator: 'greaterThan', value: 1 } })), ['conditions']);
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [] } })), ['conditions.all']);
    assert.deepEqual(fieldsOf(() => parseRule({ name: 'r', conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 1 }] }, actions: [{ type: 'hold', reason: 'insufficient_inventory' }] })), ['actions.0.reason']);
    assert.deepEqual(fieldsOf(() => parseRule({ name: 'r', conditions: { all: [{ fact: 'total', operator: 'greaterThan', value: 1 }] }, actions: [{ type: 'teleport' }] })), ['actions.0.type']);
    // A prefix names the rule inside a list (dry-run drafts).
    assert.deepEqual(fieldsOf(() => parseRule({ ...base, conditions: { all: [{ fact: 'nope', operator: 'equal', value: 1 }] } }, 'rules.2')), ['rules.2.conditions.all.0.fact']);
  });

  it('evaluates all/any/not, SKU quantities and time of day, and reports the facts that matched', async () => {
    const r = rule({
      conditions: {
        all: [
          { any: [{ fact: 'sales_channel', operator: 'equal', value: 'amazon' }, { fact: 'sku_quantity', params: { sku: 'SKU-1' }, operator: 'greaterThanInclusive', value: 2 }] },
          { not: { fact: 'country', operator: 'in', value: ['AE', 'KW'] } },
          { fact: 'hour_of_day', operator: 'greaterThanInclusive', value: 22 },
        ],
      },
      actions: [{ type: 'add_tags', tags: ['night'] }],
    });
    const compiled = compileRules(settings({ hold_unpaid_prepaid: false, manual_review_above_total: null, cod_limit: null }), { rules: [r], built_ins: {} }, null);
    const [fired] = await compiled.evaluate(orderFacts(order()));
    assert.ok(fired);
    assert.deepEqual(fired.matched.map((m) => [m.fact, m.fact_value]), [['sku_quantity', 2], ['country', 'SA'], ['hour_of_day', 22]]);
    assert.deepEqual(await compiled.evaluate(orderFacts(order({}, { created_at: new Date('2026-01-05T10:00:00Z') }))), []);
    assert.deepEqual(await compiled.evaluate(orderFacts(order({}, { shipping_address: { ...order().shipping_address, country: 'AE' } }))), []);
  });

  it('settles conflicts: the highest-priority hold wins, a forbidden hub is not preferred, tags add up', async () => {
    const any = { all: [{ fact: 'total', operator: 'greaterThan', value: 0 }] };
    const rules = [
      rule({ priority: 10, conditions: any, actions: [{ type: 'hold', reason: 'low' as HoldReason }, { type: 'add_tags', tags: ['a'] }, { type: 'prefer_hubs', hub_codes: ['X', 'Y'] }] }, 'low'),
      rule({ priority: 50, conditions: any, actions: [{ type: 'hold', reason: 'high' as HoldReason }, { type: 'add_tags', tags: ['b', 'a'] }, { type: 'forbid_hubs', hub_codes: ['X'] }, { type: 'set_priority', priority: 7 }] }, 'high'),
    ];
    const compiled = compileRules(settings({ hold_unpaid_prepaid: false, manual_review_above_total: null, cod_limit: null }), { rules, built_ins: {} }, null);
    const outcome = outcomeOf(await compiled.evaluate(orderFacts(order())));
    assert.deepEqual(outcome.fired.map((f) => f.rule_name), ['high', 'low']);
    assert.equal(outcome.hold?.reason, 'high');
    assert.deepEqual(outcome.tags, ['b', 'a']);
    assert.deepEqual([...outcome.prefer_hubs], [['Y', 'low']]);
    assert.deepEqual([...outcome.forbid_hubs], [['X', 'high']]);
    assert.deepEqual(outcome.priority, { value: 7, rule_name: 'high' });
    // Applying it twice records each firing once.
    const first = effectsOn({ tags: [], priority: null, rules_fired: [], timeline: [] }, outcome);
    assert.equal(first.timeline.length, 2);
    const again = effectsOn({ tags: first.set.tags!, priority: 7, rules_fired: first.set.rules_fired!, timeline: first.timeline.map((e) => ({ ...e, at: new Date() })) }, outcome);
    assert.deepEqual([again.timeline.length, again.set], [0, {}]);
  });

  it('routing tries a preferred hub first whatever its score, and rejects a forbidden one by the rule name', () => {
    const hub = (code: string, performance: number): Hub => ({ id: code, tenant_id: 't', code, name: code, latitude: 24.7, longitude: 46.7, is_external: false, daily_capacity: null, priority: 0, performance_score: performance, active: true, created_at: new Date() });
    const input = {
      hubs: [hub('GOOD', 0.9), hub('PREF', 0.1), hub('BAD', 0.5)],
      available: new Map(['GOOD', 'PREF', 'BAD'].map((c) => [c, new Map([['S', 5]])])),
      loadToday: new Map(),
      lines: [{ sku: 'S', quantity: 1 }],
      shipTo: null,
      weights: { proximity_weight: 0, performance_weight: 1 },
      requestedHub: null,
    };
    assert.equal(planRouting(input).ranked[0]?.code, 'GOOD');
    const plan = planRouting({ ...input, hubRules: { prefer: new Map([['PREF', 'amazon to PREF']]), forbid: new Map([['GOOD', 'no GOOD']]) } });
    assert.deepEqual(plan.ranked.map((h) => h.code), ['PREF', 'BAD']);
    const byCode = Object.fromEntries(plan.candidates.map((c) => [c.hub_code, c]));
    assert.equal(byCode.PREF!.preferred_by, 'amazon to PREF');
    assert.deepEqual(byCode.GOOD!.rejected_because, ['forbidden by rule "no GOOD"']);
    const none = planRouting({ ...input, hubRules: { prefer: new Map(), forbid: new Map(['GOOD', 'PREF', 'BAD'].map((c) => [c, 'none'])) } });
    assert.equal(none.hold_reason, 'no_serviceable_hub');
  });
});
