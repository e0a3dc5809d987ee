import assert from 'node:assert/strict';
import { allocateReturn } from './return-allocation.js';

const parts = [
  { fulfilment_id: 'O-F1', hub_code: 'H1', lines: [{ sku: 'A', quantity: 2 }], status: 'delivered' as const },
  { fulfilment_id: 'O-F2', hub_code: 'H2', lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }], status: 'delivered' as const },
];
const item = (sku: string, quantity: number) => ({ seller_sku_code: sku, quantity, reason: 'r' });

describe('allocateReturn: returned units go back to the hub of the part that shipped them', () => {
  it('names the part of each SKU, filling a divided line from the parts in order', () => {
    assert.deepEqual(allocateReturn(parts, [], [item('B', 1), item('A', 3)]).parts, [
      { fulfilment_id: 'O-F2', hub_code: 'H2', sku: 'B', quantity: 1 },
      { fulfilment_id: 'O-F1', hub_code: 'H1', sku: 'A', quantity: 2 },
      { fulfilment_id: 'O-F2', hub_code: 'H2', sku: 'A', quantity: 1 },
    ]);
  });

  it('counts earlier returns that hold units, not a withdrawn one', () => {
    const earlier = [
      { status: 'received' as const, received_at: new Date(), parts: [{ fulfilment_id: 'O-F1', hub_code: 'H1', sku: 'A', quantity: 2 }] },
      { status: 'closed' as const, received_at: null, parts: [{ fulfilment_id: 'O-F2', hub_code: 'H2', sku: 'A', quantity: 1 }] },
    ];
    assert.deepEqual(allocateReturn(parts, earlier, [item('A', 1)]).parts, [{ fulfilment_id: 'O-F2', hub_code: 'H2', sku: 'A', quantity: 1 }]);
    const over = allocateReturn(parts, earlier, [item('A', 2)]);
    assert.deepEqual(over, { parts: [], problems: [{ field: 'items.0.quantity', message: '1 of A were not delivered by any part (or were returned already)' }] });
  });

  it('refuses units of a part that came back to origin (already restocked)', () => {
    const rto = [parts[0]!, { ...parts[1]!, status: 'returned_to_origin' as const }];
    assert.equal(allocateReturn(rto, [], [item('B', 1)]).problems[0]?.field, 'items.0.quantity');
    assert.deepEqual(allocateReturn(rto, [], [item('A', 2)]).parts, [{ fulfilment_id: 'O-F1', hub_code: 'H1', sku: 'A', quantity: 2 }]);
  });
});
