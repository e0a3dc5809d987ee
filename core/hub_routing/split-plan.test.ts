import assert from 'node:assert/strict';
import type { Hub } from '../hub/hub.types.js';
import type { StockLine } from '../inventory/stock.types.js';
import { planRouting, type PlanInput } from './routing-plan.js';
import { planSplit, type SplitOptions } from './split-plan.js';

const RIYADH = { latitude: 24.7136, longitude: 46.6753 };
const NEAR = { latitude: 24.8, longitude: 46.7 };
const FAR = { latitude: 21.4858, longitude: 39.1925 };

function hub(code: string, at: { latitude: number; longitude: number }, extra: Partial<Hub> = {}): Hub {
  return { id: code, tenant_id: 't', code, name: code, ...at, is_external: false, daily_capacity: null, priority: 0, performance_score: 0.5, active: true, created_at: new Date(), ...extra };
}

function input(hubs: Hub[], stock: Record<string, Record<string, number>>, lines: StockLine[], extra: Partial<PlanInput> = {}): PlanInput {
  const available = new Map(Object.entries(stock).map(([h, skus]) => [h, new Map(Object.entries(skus))]));
  return { hubs, available, loadToday: new Map(), lines, shipTo: RIYADH, weights: { proximity_weight: 0.5, performance_weight: 0.5 }, requestedHub: null, ...extra };
}

function split(inp: PlanInput, opts: SplitOptions) {
  const out = planSplit(inp, planRouting(inp), opts);
  return out && out.parts.map((p) => ({ hub: p.hub.code, lines: p.lines.map((l) => `${l.sku}x${l.quantity}`) }));
}

const ALLOWED: SplitOptions = { policy: 'split_allowed', maxParts: 3 };
const BY_LINE: SplitOptions = { policy: 'split_by_line', maxParts: 2 };
const LINES = [
  { sku: 'A', quantity: 1 },
  { sku: 'B', quantity: 1 },
];

describe('split plan (pure)', () => {
  it('does not split under single_hub, nor when one hub can take every line', () => {
    const two = input([hub('H1', NEAR), hub('H2', FAR)], { H1: { A: 1 }, H2: { B: 1 } }, LINES);
    assert.equal(split(two, { policy: 'single_hub', maxParts: 3 }), null);
    const one = input([hub('H1', NEAR), hub('H2', FAR)], { H1: { A: 1, B: 1 }, H2: { B: 1 } }, LINES);
    assert.equal(split(one, ALLOWED), null);
  });

  it('splits two lines that sit only at two different hubs into two parts, best hub first', () => {
    const inp = input([hub('H1', FAR), hub('H2', NEAR)], { H1: { A: 1 }, H2: { B: 1 } }, LINES);
    assert.deepEqual(split(inp, ALLOWED), [
      { hub: 'H2', lines: ['Bx1'] },
      { hub: 'H1', lines: ['Ax1'] },
    ]);
    const plan = planSplit(inp, planRouting(inp), ALLOWED)!;
    assert.match(plan.parts[0]!.why, /split over 2 hubs.*B x1 \(the only hub of the split with all of it\)/);
  });

  it('takes the fewest hubs before the best scores', () => {
    // N1, N2 are near but each has one SKU; F (far) has B and C: {N1, F} covers A, B, C with two hubs.
    const hubs = [hub('N1', NEAR), hub('N2', NEAR, { performance_score: 0.9 }), hub('F', FAR)];
    const inp = input(hubs, { N1: { A: 1 }, N2: { B: 1 }, F: { B: 1, C: 1 } }, [...LINES, { sku: 'C', quantity: 1 }]);
    assert.deepEqual(split(inp, ALLOWED), [
      { hub: 'N1', lines: ['Ax1'] },
      { hub: 'F', lines: ['Bx1', 'Cx1'] },
    ]);
  });

  it('among splits of the same size, takes the best total score', () => {
    const hubs = [hub('H1', NEAR), hub('H2', FAR), hub('H3', NEAR, { performance_score: 0.9 })];
    const inp = input(hubs, { H1: { A: 1 }, H2: { B: 1 }, H3: { B: 1 } }, LINES);
    assert.deepEqual(split(inp, ALLOWED), [
      { hub: 'H3', lines: ['Bx1'] },
      { hub: 'H1', lines: ['Ax1'] },
    ]);
  });

  it('splits a line\'s quantity under split_allowed only; split_by_line keeps lines whole', () => {
    const inp = input([hub('H1', NEAR), hub('H2', FAR)], { H1: { A: 2 }, H2: { A: 3 } }, [{ sku: 'A', quantity: 4 }]);
    assert.deepEqual(split(inp, ALLOWED), [
      { hub: 'H1', lines: ['Ax2'] },
      { hub: 'H2', lines: ['Ax2'] },
    ]);
    assert.equal(split(inp, BY_LINE), null);
  });

  it('respects max_parts', () => {
    const hubs = [hub('H1', NEAR), hub('H2', NEAR), hub('H3', NEAR)];
    const inp = input(hubs, { H1: { A: 1 }, H2: { B: 1 }, H3: { C: 1 } }, [...LINES, { sku: 'C', quantity: 1 }]);
    assert.equal(split(inp, BY_LINE), null);
    assert.equal(split(inp, { policy: 'split_by_line', maxParts: 3 })?.length, 3);
  });

  it('leaves out inactive hubs, hubs a rule forbids and hubs at daily capacity; prefers hubs a rule prefers', () => {
    const hubs = [hub('H1', NEAR), hub('OFF', NEAR, { active: false }), hub('NO', NEAR), hub('FULL', NEAR, { daily_capacity: 1 }), hub('H2', FAR)];
    const stock = { H1: { A: 1 }, OFF: { B: 1 }, NO: { B: 1 }, FULL: { B: 1 }, H2: { B: 1 } };
    const hubRules = { prefer: new Map<string, string>(), forbid: new Map([['NO', 'no-NO']]) };
    const inp = input(hubs, stock, LINES, { hubRules, loadToday: new Map([['FULL', 1]]) });
    assert.deepEqual(split(inp, ALLOWED), [
      { hub: 'H1', lines: ['Ax1'] },
      { hub: 'H2', lines: ['Bx1'] },
    ]);
    // With H2 preferred by a rule and a second far hub, the preferred one wins over a better score.
    const hubs2 = [hub('H1', NEAR), hub('H2', FAR), hub('H3', NEAR, { performance_score: 1 })];
    const prefer = { prefer: new Map([['H2', 'prefer-H2']]), forbid: new Map<string, string>() };
    const inp2 = input(hubs2, { H1: { A: 1 }, H2: { B: 1 }, H3: { B: 1 } }, LINES, { hubRules: prefer });
    assert.deepEqual(split(inp2, ALLOWED)?.map((p) => p.hub), ['H2', 'H1']);
  });

  it('returns null when even every usable hub together is short', () => {
    const inp = input([hub('H1', NEAR), hub('H2', FAR)], { H1: { A: 1 }, H2: { A: 1 } }, [{ sku: 'A', quantity: 3 }]);
    assert.equal(split(inp, ALLOWED), null);
  });
});
