import assert from 'node:assert/strict';
import { AppError } from './errors.js';
import { ACTORS, ORDER_STATUSES, type Actor, type OrderStatus } from './order.js';
import { TERMINAL_STATUSES, TRANSITIONS, canTransition, forwardRank, planTransition } from './transitions.js';

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
});
