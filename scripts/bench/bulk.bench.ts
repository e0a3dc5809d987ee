import { performance } from 'node:perf_hooks';
import { createTenant } from '../../test/support/api.js';
import type { BenchScenario } from './harness.js';

/**
 * Size of the job: the 10,000 (about 20 minutes here: the whole pipeline of every order,
 * routing, events, notifications, runs on the same 2 cores as FerretDB). `BULK_BENCH_ORDERS=1000
 * npm run bench -- bulk` for a quicker comparison.
 */
const ORDERS = Number(process.env.BULK_BENCH_ORDERS ?? 10_000);

function orderBody(n: number): Record<string, unknown> {
  return {
    order_id: `BENCH-${n}`,
    sales_channel: { name: 'shopify', order_id: `bench-${n}` },
    order_items: [{ seller_sku_code: 'SKU-1', quantity: 1, unit_price: 10, sales_channel_order_item_id: `li-${n}` }],
    customer: { name: 'Aisha Khan', email: 'aisha@example.com', phone: '+966500000000' },
    shipping_address: { line1: 'King Fahd Rd 1', city: 'Riyadh', state: 'Riyadh', country: 'SA', postal_code: '12211', latitude: 24.71, longitude: 46.67 },
    payment: { method: 'cod', status: 'pending', currency: 'SAR', total: 10 },
  };
}

/**
 * One bulk-create job of ORDERS orders through the API: time to the 202, time until the job
 * is done, orders/s, and the peak memory of this process (API and workers run in it), sampled
 * every 100 ms.
 */
const scenario: BenchScenario = {
  name: 'bulk',
  async run() {
    const t = await createTenant('bench bulk');
    const body = { orders: Array.from({ length: ORDERS }, (_, i) => orderBody(i)) };
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 100);
    try {
      const started = performance.now();
      const res = await t.seller('POST', '/orders/bulk-create', body);
      if (res.status !== 202) throw new Error(`bulk create answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      const acceptedMs = performance.now() - started;
      const jobId = res.body.data.job_id as string;
      let job: any;
      for (;;) {
        await new Promise((r) => setTimeout(r, 500));
        job = (await t.seller('GET', `/bulk-jobs/${jobId}?per_page=1`)).body.data;
        if (job?.status === 'completed') break;
      }
      const seconds = (performance.now() - started) / 1000;
      const mb = (n: number) => Math.round(n / 1024 / 1024);
      return [
        {
          scenario: `bulk create, ${ORDERS} orders in one request`,
          figures: {
            accepted_ms: Math.round(acceptedMs),
            total_s: Math.round(seconds * 10) / 10,
            orders_per_s: Math.round((job.succeeded / seconds) * 10) / 10,
            succeeded: job.succeeded,
            failed: job.failed,
            peak_rss_mb: mb(peakRss),
            peak_heap_mb: mb(peakHeap),
            rss_growth_mb: mb(peakRss - base.rss),
          },
          notes: 'API and workers in one process; batch size order.bulk_batch_size, 8 items at a time',
        },
      ];
    } finally {
      clearInterval(sampler);
    }
  },
};

export default scenario;
