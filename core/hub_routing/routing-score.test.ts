import assert from 'node:assert/strict';
import { compareScored, greatCircleKm, hubScore, proximityScore } from './routing-score.js';
import { planRouting } from './routing-plan.js';
import { evaluateHoldRules } from './hold-rules.js';
import type { Hub } from '../hub/hub.types.js';

const RIYADH = { latitude: 24.7136, longitude: 46.6753 };
const JEDDAH = { latitude: 21.4858, longitude: 39.1925 };

function hub(code: string, at: { latitude: number; longitude: number }, extra: Partial<Hub> = {}): Hub {
  return { id: code, tenant_id: 't', code, name: code, ...at, is_external: false, daily_capacity: null, priority: 0, performance_score: 0.5, active: true, created_at: new Date(), ...extra };
}

describe('routing score (pure)', () => {
  it('measures great-circle distance (Riyadh-Jeddah ~ 850 km; zero to itself; symmetric)', () => {
    const d = greatCircleKm(RIYADH, JEDDAH);
    assert.ok(d > 840 && d < 860, `got ${d}`);
    assert.equal(greatCircleKm(RIYADH, RIYADH), 0);
    assert.equal(Math.round(greatCircleKm(JEDDAH, RIYADH)), Math.round(d));
  });

  it('proximity halves at the scale distance and is 0 without coordinates', () => {
    assert.equal(proximityScore(0), 1);
    assert.equal(proximityScore(100), 0.5);
    assert.equal(proximityScore(null), 0);
  });

  it('weights proximity and performance, normalised by their sum', () => {
    assert.equal(hubScore(1, 0, { proximity_weight: 0.3, performance_weight: 0.7 }), 0.3);
    assert.equal(hubScore(1, 0, { proximity_weight: 3, performance_weight: 7 }), 0.3);
    assert.equal(hubScore(1, 0, { proximity_weight: 0, performance_weight: 0 }), 0.5);
  });

  it('breaks score ties by priority, then distance, then code', () => {
    const a = { code: 'A', score: 0.5, priority: 1, distance_km: 10 };
    const b = { code: 'B', score: 0.5, priority: 5, distance_km: 500 };
    assert.deepEqual([a, b].sort(compareScored).map((x) => x.code), ['B', 'A']);
    const c = { ...a, code: 'C', priority: 1, distance_km: 5 };
    assert.deepEqual([a, c].sort(compareScored).map((x) => x.code), ['C', 'A']);
  });

  it('plans: nearest wins when proximity dominates, performance wins when it dominates', () => {
    const hubs = [hub('RUH', RIYADH, { performance_score: 0.2 }), hub('JED', JEDDAH, { performance_score: 0.9 })];
    const available = new Map([['RUH', new Map([['S', 5]])], ['JED', new Map([['S', 5]])]]);
    const base = { hubs, available, loadToday: new Map(), lines: [{ sku: 'S', quantity: 1 }], shipTo: RIYADH, requestedHub: null };
    assert.equal(planRouting({ ...base, weights: { proximity_weight: 0.9, performance_weight: 0.1 } }).ranked[0]?.code, 'RUH');
    assert.equal(planRouting({ ...base, weights: { proximity_weight: 0.1, performance_weight: 0.9 } }).ranked[0]?.code, 'JED');
  });

  it('plans: rejects short and full hubs with reasons, honours a requested hub, names the hold reason', () => {
    const hubs = [hub('A', RIYADH, { daily_capacity: 2 }), hub('B', JEDDAH), hub('C', JEDDAH)];
    const available = new Map([['A', new Map([['S', 5]])], ['B', new Map([['S', 1]])], ['C', new Map([['S', 3]])]]);
    const plan = planRouting({ hubs, available, loadToday: new Map([['A', 2]]), lines: [{ sku: 'S', quantity: 2 }], shipTo: RIYADH, weights: { proximity_weight: 1, performance_weight: 0 }, requestedHub: null });
    assert.deepEqual(plan.ranked.map((h) => h.code), ['C']);
    const byCode = Object.fromEntries(plan.candidates.map((c) => [c.hub_code, c]));
    assert.match(byCode.A!.rejected_because.join(), /at daily capacity \(2\/2\)/);
    assert.match(byCode.B!.rejected_because.join(), /S: needs 2, available 1/);
    const requested = planRouting({ hubs: [hub('N', RIYADH), hub('F', JEDDAH)], available: new Map([['N', new Map([['S', 1]])], ['F', new Map([['S', 1]])]]), loadToday: new Map(), lines: [{ sku: 'S', quantity: 1 }], shipTo: RIYADH, weights: { proximity_weight: 1, performance_weight: 0 }, requestedHub: 'F' });
    assert.equal(requested.ranked[0]?.code, 'F');
    assert.equal(requested.requested_hub_honoured, true);
    const none = planRouting({ hubs: [hub('A', RIYADH)], available: new Map(), loadToday: new Map(), lines: [{ sku: 'S', quantity: 1 }], shipTo: null, weights: { proximity_weight: 1, performance_weight: 0 }, requestedHub: null });
    assert.equal(none.hold_reason, 'insufficient_inventory');
    assert.deepEqual(none.short_skus, ['S']);
    assert.equal(planRouting({ ...requested, hubs: [], available: new Map(), loadToday: new Map(), lines: [{ sku: 'S', quantity: 1 }], shipTo: null, weights: { proximity_weight: 1, performance_weight: 0 }, requestedHub: null }).hold_reason, 'no_serviceable_hub');
  });

  it('evaluates hold rules: unpaid prepaid, total above review threshold, COD above limit', () => {
    const rules = { hold_unpaid_prepaid: true, manual_review_above_total: 1000, cod_limit: 300 };
    const pay = (method: 'cod' | 'prepaid', status: 'pending' | 'paid', total: number) => ({ payment: { method, status, currency: 'SAR', total } });
    assert.equal(evaluateHoldRules(rules, pay('prepaid', 'pending', 10)), 'payment_pending');
    assert.equal(evaluateHoldRules(rules, pay('prepaid', 'paid', 10)), null);
    assert.equal(evaluateHoldRules(rules, pay('prepaid', 'paid', 1500)), 'manual_review');
    assert.equal(evaluateHoldRules(rules, pay('cod', 'pending', 301)), 'manual_review');
    assert.equal(evaluateHoldRules({ ...rules, cod_limit: null }, pay('cod', 'pending', 301)), null);
  });
});
