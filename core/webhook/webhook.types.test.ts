import assert from 'node:assert/strict';
import { before, deliveryId, matches } from './webhook.types.js';

const at = (iso: string, sequence: number | null = null, created = iso, id = 'whd_a') => ({ occurred_at: new Date(iso), sequence, created_at: new Date(created), id });

describe('webhook rules (pure)', () => {
  it('orders deliveries of one order by occurred_at, then sequence, then recording time, then id', () => {
    assert.ok(before(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:01Z')));
    assert.ok(!before(at('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:00Z')));
    // Same instant: the envelope's per-order sequence decides, even against recording order.
    assert.ok(before(at('2026-01-01T00:00:00Z', 1, '2026-01-01T00:00:09Z'), at('2026-01-01T00:00:00Z', 2, '2026-01-01T00:00:01Z')));
    // No sequence: recorded first goes first; then the id, so the order is total.
    assert.ok(before(at('2026-01-01T00:00:00Z', null, '2026-01-01T00:00:01Z'), at('2026-01-01T00:00:00Z', null, '2026-01-01T00:00:02Z')));
    assert.ok(before(at('2026-01-01T00:00:00Z', null, '2026-01-01T00:00:01Z', 'whd_a'), at('2026-01-01T00:00:00Z', null, '2026-01-01T00:00:01Z', 'whd_b')));
    assert.ok(!before(at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z')), 'never before itself');
  });

  it('matches every event without a filter, else only the listed types', () => {
    assert.ok(matches({ event_types: null }, 'order.created.v1'));
    assert.ok(matches({ event_types: ['order.created.v1'] }, 'order.created.v1'));
    assert.ok(!matches({ event_types: ['order.created.v1'] }, 'order.status_changed.v1'));
  });

  it('derives one delivery id per endpoint and event (recording twice is a no-op)', () => {
    assert.equal(deliveryId('whe_1', 'evt_1'), deliveryId('whe_1', 'evt_1'));
    assert.notEqual(deliveryId('whe_1', 'evt_1'), deliveryId('whe_2', 'evt_1'));
    assert.notEqual(deliveryId('whe_1', 'evt_1'), deliveryId('whe_1', 'evt_2'));
    assert.match(deliveryId('whe_1', 'evt_1'), /^whd_[a-f0-9]{24}$/);
  });
});
