import assert from 'node:assert/strict';
import { fulfilmentsOf, isSplit, type Fulfilment, type Order } from './order.js';
import { partsAfterOrderMove } from './transitions.js';

type Shape = Parameters<typeof fulfilmentsOf>[0];
const base: Shape = {
  id: 'o1',
  status: 'approved',
  hub_code: 'H1',
  reservation: { hub_code: 'H1', lines: [{ sku: 'A', quantity: 2 }] },
  shipment: null,
  courier_booking: null,
  fulfilments: undefined,
  order_items: [{ seller_sku_code: 'A', quantity: 2, unit_price: 1, sales_channel_order_item_id: null }],
};
const part = (id: string, hub: string, status: Order['status']): Fulfilment => ({ fulfilment_id: id, hub_code: hub, lines: [{ sku: 'A', quantity: 1 }], status, shipment: null, why: '' });

describe('the parts of an order (fulfilmentsOf)', () => {
  it('derives the one part of a routed single-hub order, with the order\'s id, and stores none', () => {
    assert.deepEqual(
      fulfilmentsOf(base).map((f) => [f.fulfilment_id, f.hub_code, f.status, f.lines]),
      [['o1', 'H1', 'approved', [{ sku: 'A', quantity: 2 }]]],
    );
    assert.equal(isSplit(base), false);
  });

  it('has no part before routing or while held', () => {
    assert.deepEqual(fulfilmentsOf({ ...base, status: 'pending', hub_code: null, reservation: null }), []);
    assert.deepEqual(fulfilmentsOf({ ...base, status: 'on_hold', fulfilments: [part('o1-F1', 'H1', 'approved'), part('o1-F2', 'H2', 'approved')] }), []);
  });

  it('shows the stored parts of a split order, and a cancel cancels only those still at their hubs', () => {
    const split = { ...base, fulfilments: [part('o1-F1', 'H1', 'shipped'), part('o1-F2', 'H2', 'packed')] };
    assert.equal(isSplit(split), true);
    assert.deepEqual(fulfilmentsOf(split).map((f) => f.fulfilment_id), ['o1-F1', 'o1-F2']);
    assert.deepEqual(partsAfterOrderMove(split, 'cancelled')?.map((f) => f.status), ['shipped', 'cancelled']);
    assert.equal(partsAfterOrderMove(split, 'approved'), undefined);
    assert.equal(partsAfterOrderMove(base, 'cancelled'), undefined);
  });
});
