import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { checked, createTenant, eventually, http, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';

/** A valid create body (API.md); `n` makes the seller order id and channel order id unique. */
export function orderBody(n: number | string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    order_id: `BULK-${n}`,
    sales_channel: { name: 'shopify', order_id: `sc-${n}` },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: null }],
    customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000' },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
    ...over,
  };
}

async function finished(t: TestTenant, jobId: string, timeoutMs = 50_000): Promise<any> {
  return eventually(`bulk job ${jobId} to finish`, async () => {
    const res = await t.seller('GET', `/bulk-jobs/${jobId}?per_page=1`);
    return res.body.data?.status === 'completed' ? res.body.data : null;
  }, timeoutMs, 250);
}

async function allItems(t: TestTenant, jobId: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const res = await t.seller('GET', `/bulk-jobs/${jobId}?per_page=1000&page=${page}`);
    assert.equal(res.status, 200);
    items.push(...res.body.data.items);
    if (items.length >= res.body.meta.total) return items;
  }
}

async function withDb<T>(fn: (db: import('mongodb').Db) => Promise<T>): Promise<T> {
  const { config } = getStack();
  const client = new MongoClient(config.mongodb.uri, { retryWrites: false });
  await client.connect();
  try {
    return await fn(client.db(config.mongodb.database));
  } finally {
    await client.close();
  }
}

/**
 * The 2,000 items (about 4 minutes here on FerretDB; `BULK_TEST_ITEMS=200 npx mocha
 * test/bulk.test.ts` for a quick run while working on bulk jobs).
 */
const ITEMS = Number(process.env.BULK_TEST_ITEMS ?? 2000);

describe('bulk jobs: bulk create', function () {
  this.timeout(Math.max(120_000, ITEMS * 1600));

  it(`runs a ${ITEMS}-order job to exact per-item results, invalid items failing alone, with live progress`, async () => {
    const t = await createTenant();
    const orders: unknown[] = [];
    const invalid = new Map<number, string>();
    for (let i = 0; i < ITEMS; i++) {
      if (i % 100 === 7) {
        orders.push(orderBody(i, { customer: { name: '' } }));
        invalid.set(i, 'customer.name');
      } else if (i % 100 === 42) {
        orders.push(orderBody(i, { order_items: [{ seller_sku_code: 'SKU-1', quantity: -2, unit_price: 1 }] }));
        invalid.set(i, 'order_items.0.quantity');
      } else orders.push(orderBody(i));
    }
    orders.push(orderBody(5)); // a repeat of entry 5: fails alone, entry 5 still runs
    const started = Date.now();
    const res = await t.seller('POST', '/orders/bulk-create', { orders });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.ok(Date.now() - started < 15_000, 'answered at once');
    const jobId = res.body.data.job_id;
    assert.match(jobId, /^bjob_/);
    assert.equal(res.body.data.total, ITEMS + 1);

    const job = await finished(t, jobId, ITEMS * 1500);
    const valid = ITEMS - invalid.size;
    assert.equal(job.done, ITEMS + 1);
    assert.equal(job.succeeded, valid);
    assert.equal(job.failed, invalid.size + 1);

    const items = await allItems(t, jobId);
    assert.deepEqual(items.map((i) => i.index), [...Array(ITEMS + 1).keys()]);
    for (const item of items) {
      const bad = invalid.get(item.index);
      if (bad) {
        assert.equal(item.status, 'failed');
        assert.equal(item.error.code, 'validation_failed');
        assert.ok(item.error.details.some((d: { field: string }) => d.field === bad), `${item.index}: ${JSON.stringify(item.error)}`);
      } else if (item.index === ITEMS) {
        assert.equal(item.status, 'failed');
        assert.match(item.error.message, /orders\.5/);
      } else {
        assert.equal(item.status, 'succeeded', JSON.stringify(item));
        assert.equal(item.result.order_id, `BULK-${item.index}`);
        assert.match(item.result.id, /\w+/);
      }
    }
    const failedOnly = await t.seller('GET', `/bulk-jobs/${jobId}?status=failed&per_page=1000`);
    assert.equal(failedOnly.body.meta.total, invalid.size + 1);

    // the orders exist, once each, and are the seller's
    const list = await t.seller('GET', '/orders?per_page=1');
    assert.equal(list.body.meta.total, valid);
    const one = items.find((i) => i.index === 3);
    assert.equal((await t.seller('GET', `/orders/${one.result.id}`)).body.data.order_id, 'BULK-3');

    // progress reached the seller's Pusher channel, ending at done == total
    const progress = getStack().pusher.eventsFor(`private-seller-${t.sellerId}`).filter((e) => e.name === 'bulk_job.progress.v1');
    assert.ok(progress.length >= 3, `progress events: ${progress.length}`);
    const last = progress[progress.length - 1]?.data as any;
    assert.equal(last.job_id, jobId);
    assert.equal(last.status, 'completed');
    assert.equal(last.done, ITEMS + 1);
  });

  it('accepts a CSV upload (one row per line) and a JSON file', async () => {
    const t = await createTenant();
    const header = 'order_id,sales_channel.name,sales_channel.order_id,customer.name,customer.phone,shipping_address.line1,shipping_address.city,shipping_address.country,payment.method,payment.status,payment.currency,payment.total,item.seller_sku_code,item.quantity,item.unit_price';
    const csv = [
      header,
      'CSV-1,shopify,c1,Aisha,0500000000,Road 1,Riyadh,SA,cod,pending,SAR,30,SKU-1,1,10',
      'CSV-1,shopify,c1,Aisha,0500000000,Road 1,Riyadh,SA,cod,pending,SAR,30,SKU-2,2,10',
      'CSV-2,shopify,c2,,0500000000,Road 1,Riyadh,SA,cod,pending,SAR,10,SKU-1,1,10',
    ].join('\n');
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'orders.csv');
    const uploadPath = `/api/v1/sellers/${t.sellerId}/orders/bulk-create/upload`;
    const up = await checked('POST', uploadPath, await fetch(`${getStack().baseUrl}${uploadPath}`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` }, body: form }));
    const body = up.body;
    assert.equal(up.status, 202, JSON.stringify(body));
    assert.equal(body.data.source, 'csv');
    await finished(t, body.data.job_id);
    const items = await allItems(t, body.data.job_id);
    assert.equal(items.length, 2);
    assert.equal(items[0].status, 'succeeded');
    const order = await t.seller('GET', `/orders/${items[0].result.id}`);
    assert.deepEqual(order.body.data.order_items.map((l: any) => [l.seller_sku_code, l.quantity]), [['SKU-1', 1], ['SKU-2', 2]]);
    assert.equal(items[1].status, 'failed');
    assert.ok(items[1].error.details.some((d: any) => d.field === 'customer.name'));

    const jsonForm = new FormData();
    jsonForm.append('file', new Blob([JSON.stringify([orderBody('J1')])], { type: 'application/json' }), 'orders.json');
    const upJson = await checked('POST', uploadPath, await fetch(`${getStack().baseUrl}${uploadPath}`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` }, body: jsonForm }));
    const jsonBody = upJson.body;
    assert.equal(upJson.status, 202, JSON.stringify(jsonBody));
    assert.equal((await finished(t, jsonBody.data.job_id)).succeeded, 1);
  });

  it('refuses a body that is not a list, is empty or is over the limit, writing nothing', async () => {
    const t = await createTenant();
    const max = getStack().config.order.bulk_max_items;
    for (const body of [{ orders: { a: 1 } }, { orders: [] }, {}, { orders: Array.from({ length: max + 1 }, () => ({})) }]) {
      const res = await t.seller('POST', '/orders/bulk-create', body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 100));
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(res.body.error.details.some((d: { field: string }) => d.field === 'orders'), JSON.stringify(res.body.error.details).slice(0, 300));
    }
    const uploadPath = `/api/v1/sellers/${t.sellerId}/orders/bulk-create/upload`;
    const noFile = await checked('POST', uploadPath, await fetch(`${getStack().baseUrl}${uploadPath}`, { method: 'POST', headers: { authorization: `Bearer ${t.apiKey}` }, body: new FormData() }));
    assert.equal(noFile.status, 400);
    for (const body of [{ action: 'cancel', order_ids: ['x'] }, { action: 'assign_hub', order_ids: ['x'] }, { action: 'explode', order_ids: ['x'] }, { action: 'approve', order_ids: 'x' }]) {
      const res = await t.seller('POST', '/orders/bulk', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'validation_failed');
    }
    const written = await withDb((db) => db.collection('bulk_jobs').countDocuments({ tenant_id: t.tenantId }));
    assert.equal(written, 0);
    const items = await withDb((db) => db.collection('bulk_job_items').countDocuments({ tenant_id: t.tenantId }));
    assert.equal(items, 0);
  });
});

describe('bulk jobs: bulk actions and tenancy', function () {
  this.timeout(180_000);

  let made = 0;
  async function createOrders(t: TestTenant, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await t.seller('POST', '/orders', orderBody(`A${made++}`));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.data.id);
    }
    return ids;
  }

  it('cancels many orders through the single-cancel use case, each item with its own result', async () => {
    const t = await createTenant();
    const ids = await createOrders(t, 4);
    const res = await t.seller('POST', '/orders/bulk', { action: 'cancel', reason: 'customer changed mind', order_ids: [...ids, 'ord_missing', ids[0]] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const job = await finished(t, res.body.data.job_id);
    assert.equal(job.total, 6);
    assert.equal(job.succeeded, 4);
    assert.equal(job.failed, 2);
    const items = await allItems(t, job.id);
    for (const item of items.slice(0, 4)) {
      assert.equal(item.status, 'succeeded');
      assert.equal(item.result.status, 'cancelled');
    }
    assert.equal(items[4].error.code, 'order_not_found');
    assert.equal(items[5].error.code, 'validation_failed'); // the repeat of entry 0
    for (const id of ids) assert.equal((await t.seller('GET', `/orders/${id}`)).body.data.status, 'cancelled');
    const timeline = await t.seller('GET', `/orders/${ids[1]}/timeline`);
    assert.ok(timeline.body.data.some((e: any) => e.to === 'cancelled' && e.reason === 'customer changed mind' && e.actor === 'seller'));
  });

  it('another tenant can neither see a job nor act on its orders through one', async () => {
    const a = await createTenant();
    const b = await createTenant();
    const ids = await createOrders(a, 2);
    const res = await a.seller('POST', '/orders/bulk', { action: 'cancel', reason: 'r', order_ids: ids });
    const jobId = res.body.data.job_id;
    await finished(a, jobId);

    const peek = await b.seller('GET', `/bulk-jobs/${jobId}`);
    assert.equal(peek.status, 404);
    const crossPath = await http('GET', `/api/v1/sellers/${a.sellerId}/bulk-jobs/${jobId}`, { headers: { authorization: `Bearer ${b.apiKey}` } });
    assert.equal(crossPath.status, 404);

    const ids2 = await createOrders(a, 1);
    const hostile = await b.seller('POST', '/orders/bulk', { action: 'cancel', reason: 'r', order_ids: ids2 });
    assert.equal(hostile.status, 202);
    const job = await finished(b, hostile.body.data.job_id);
    assert.equal(job.failed, 1);
    const items = await allItems(b, job.id);
    assert.equal(items[0].error.code, 'order_not_found');
    assert.notEqual((await a.seller('GET', `/orders/${ids2[0]}`)).body.data.status, 'cancelled');
  });
});
