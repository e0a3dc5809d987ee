import assert from 'node:assert/strict';
import { AppError } from './errors.js';
import { ACTORS, ORDER_STATUSES, type Actor, type OrderStatus } from './order.js';
import { TERMINAL_STATUSES, TRANSITIONS, canTransition, deriveOrderStatus, forwardRank, heldReservations, planTransition } from './transitions.js';

/** The moves DESIGN.md's lifecycle allows, with the actors that may cause each: the table must be exactly this. */
const EXPECTED: [OrderStatus, OrderStatus, Actor[]][] = [
  ['pending', 'on_hold', ['system', 'internal', 'seller']],
  ['pending', 'approved', ['system', 'seller', 'internal']],
  ['pending', 'cancelled', ['seller', 'internal', 'system']],
  ['on_hold', 'approved', ['seller', 'internal', 'system']],
  ['on_hold', 'cancelled', ['seller', 'internal', 'system']],
  ['approved', 'on_hold', ['system', 'internal']],
  ['approved', 'picking', ['wms', 'internal']],
  ['approved', 'cancelled', ['seller', 'internal', 'system']],
  ['picking', 'picked', ['wms', 'internal']],
  ['picking', 'cancelled', ['seller', 'internal', 'system']],
  ['picked', 'packing', ['wms', 'internal']],
  ['packing', 'packed', ['wms', 'internal']],
  ['packed', 'shipped', ['wms', 'internal', 'courier']],
  // Cancel before the courier's pickup, by an operator only (courier booking compensation, ADR 0011).
  ['packed', 'cancelled', ['internal']],
  ['shipped', 'delivered', ['wms', 'courier', 'internal']],
  ['shipped', 'delivery_failed', ['wms', 'courier', 'internal']],
  ['delivery_failed', 'shipped', ['wms', 'courier', 'internal']],
  ['delivery_failed', 'returned_to_origin', ['wms', 'courier', 'internal']],
  // A split order's first part leaving its hub (docs/adr/0020), and its last one.
  ['approved', 'partially_shipped', ['wms', 'courier', 'internal']],
  ['picking', 'partially_shipped', ['wms', 'courier', 'internal']],
  ['picked', 'partially_shipped', ['wms', 'courier', 'internal']],
  ['packing', 'partially_shipped', ['wms', 'courier', 'internal']],
  ['packed', 'partially_shipped', ['wms', 'courier', 'internal']],
  ['partially_shipped', 'shipped', ['wms', 'courier', 'internal']],
];

function allowed(from: OrderStatus, to: OrderStatus, actor: Actor): boolean {
  return EXPECTED.some(([f, t, actors]) => f === from && t === to && actors.includes(actor));
}

describe('order transition table', () => {
  it('allows exactly the moves of the lifecycle, each for exactly its actors', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        for (const actor of ACTORS) {
          assert.equal(canTransition(from, to, actor), allowed(from, to, actor), `${from} -> ${to} by ${actor}`);
        }
      }
    }
  });

  it('refuses every disallowed single move with invalid_transition naming from, to and actor', () => {
    let refused = 0;
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        for (const actor of ACTORS) {
          if (allowed(from, to, actor)) continue;
          assert.throws(
            () => planTransition(from, to, actor),
            (err: unknown) => err instanceof AppError && err.code === 'invalid_transition' && err.status === 409 && !err.retryable &&
              (err.details as Record<string, unknown>).from === from && (err.details as Record<string, unknown>).to === to,
          );
          refused += 1;
        }
      }
    }
    const allowedCount = EXPECTED.reduce((n, [, , actors]) => n + actors.length, 0);
    assert.equal(refused, ORDER_STATUSES.length ** 2 * ACTORS.length - allowedCount);
  });

  it('has no move out of a terminal status', () => {
    for (const status of TERMINAL_STATUSES) assert.deepEqual(TRANSITIONS[status], {});
  });

  it('never lets a seller move an order past approval or a WMS cancel one', () => {
    for (const to of ['picking', 'picked', 'packing', 'packed', 'shipped', 'delivered'] as const) {
      for (const from of ORDER_STATUSES) assert.equal(canTransition(from, to, 'seller'), false, `${from} -> ${to}`);
    }
    for (const from of ORDER_STATUSES) assert.equal(canTransition(from, 'cancelled', 'wms'), false);
    for (const from of ['picked', 'packing', 'packed', 'shipped', 'delivered'] as const) {
      assert.equal(canTransition(from, 'cancelled', 'seller'), false, `cancel from ${from}`);
    }
  });

  it('lets WMS and courier events skip forward stages, naming what was skipped', () => {
    assert.deepEqual(planTransition('approved', 'shipped', 'wms', { allowSkip: true }), {
      from: 'approved',
      to: 'shipped',
      skipped: ['picking', 'picked', 'packing', 'packed'],
    });
    assert.deepEqual(planTransition('picking', 'packed', 'wms', { allowSkip: true }).skipped, ['picked', 'packing']);
    assert.deepEqual(planTransition('packed', 'delivered', 'courier', { allowSkip: true }).skipped, ['shipped']);
    assert.deepEqual(planTransition('packed', 'shipped', 'courier', { allowSkip: true }).skipped, []);
  });

  it('does not skip without allowSkip, backwards, out of terminal states, or through statuses off the forward path', () => {
    const refuse = (from: OrderStatus, to: OrderStatus, actor: Actor, allowSkip: boolean) =>
      assert.throws(() => planTransition(from, to, actor, { allowSkip }), (e: unknown) => e instanceof AppError && e.code === 'invalid_transition', `${from} -> ${to}`);
    refuse('approved', 'shipped', 'wms', false);
    refuse('shipped', 'picking', 'wms', true);
    refuse('delivered', 'shipped', 'courier', true);
    refuse('cancelled', 'picking', 'wms', true);
    // pending -> picking would pass through approved, which only system/seller/internal may cause
    refuse('pending', 'picking', 'wms', true);
    // on_hold is not on the forward path: a courier cannot walk an order out of a hold
    refuse('on_hold', 'shipped', 'courier', true);
  });

  it('ranks the forward path so stale events can be told from new ones', () => {
    assert.ok(forwardRank('approved') < forwardRank('picking'));
    assert.ok(forwardRank('packed') < forwardRank('shipped'));
    assert.ok(forwardRank('shipped') < forwardRank('delivery_failed'));
    assert.ok(forwardRank('delivery_failed') < forwardRank('delivered'));
    assert.equal(forwardRank('pending'), -1);
    assert.equal(forwardRank('cancelled'), -1);
  });

  it('never walks a single-hub order through partially_shipped when stages are skipped', () => {
    assert.deepEqual(planTransition('approved', 'delivered', 'wms', { allowSkip: true }).skipped, ['picking', 'picked', 'packing', 'packed', 'shipped']);
    assert.deepEqual(planTransition('partially_shipped', 'delivered', 'courier', { allowSkip: true }).skipped, ['shipped']);
    assert.ok(forwardRank('packed') < forwardRank('partially_shipped') && forwardRank('partially_shipped') < forwardRank('shipped'));
  });
});

describe('a split order\'s status from its parts (deriveOrderStatus)', () => {
  const cases: [OrderStatus[], OrderStatus][] = [
    [['approved', 'approved'], 'approved'],
    [['packed', 'picking'], 'picking'],
    [['shipped', 'packed'], 'partially_shipped'],
    [['delivered', 'approved'], 'partially_shipped'],
    [['shipped', 'shipped'], 'shipped'],
    [['delivered', 'shipped'], 'shipped'],
    [['delivered', 'delivered'], 'delivered'],
    [['delivered', 'cancelled'], 'delivered'],
    [['cancelled', 'cancelled'], 'cancelled'],
    [['delivery_failed', 'delivered'], 'delivery_failed'],
    [['returned_to_origin', 'returned_to_origin'], 'returned_to_origin'],
    [['returned_to_origin', 'delivered'], 'delivered'],
    [['shipped', 'cancelled', 'packed'], 'partially_shipped'],
  ];
  for (const [parts, want] of cases) {
    it(`${parts.join(' + ')} -> ${want}`, () => assert.equal(deriveOrderStatus(parts), want));
  }

  it('every derived move from the parts\' previous derivation is one the table allows a WMS report to make', () => {
    const steps: OrderStatus[][] = [['approved', 'approved'], ['packed', 'approved'], ['shipped', 'approved'], ['shipped', 'shipped'], ['delivered', 'shipped'], ['delivered', 'delivered']];
    for (let i = 1; i < steps.length; i++) {
      const from = deriveOrderStatus(steps[i - 1]!);
      const to = deriveOrderStatus(steps[i]!);
      if (from !== to) assert.doesNotThrow(() => planTransition(from, to, 'wms', { allowSkip: true }), `${from} -> ${to}`);
    }
  });

  it('counts the holds of the parts still at their hubs only', () => {
    const part = (hub: string, status: OrderStatus) => ({ fulfilment_id: hub, hub_code: hub, lines: [{ sku: 'A', quantity: 1 }], status, shipment: null, why: '' });
    const order = { status: 'partially_shipped' as const, reservation: { hub_code: 'H1', lines: [{ sku: 'A', quantity: 1 }] }, fulfilments: [part('H1', 'shipped'), part('H2', 'packed')] };
    assert.deepEqual(heldReservations(order).map((r) => r.hub_code), ['H2']);
    assert.deepEqual(heldReservations({ status: 'approved', reservation: { hub_code: 'H1', lines: [] }, fulfilments: null }).map((r) => r.hub_code), ['H1']);
    assert.deepEqual(heldReservations({ status: 'shipped', reservation: { hub_code: 'H1', lines: [] } }), []);
  });
});
