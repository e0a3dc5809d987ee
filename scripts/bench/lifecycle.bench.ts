import { signCourierBody } from '../../core/shipment/courier-signature.js';
import { createHub, createTenant, eventually, http } from '../../test/support/api.js';
import { getStack } from '../../test/support/stack.js';
import { orderBody, readOrder, sendWms } from '../../test/fulfilment.fixtures.js';
import { measure, type BenchScenario } from './harness.js';

const ORDERS = 200;
const CONCURRENCY = 25;

/**
 * Full lifecycle throughput: each order is created through the public API, routed and approved
 * by the OMS (stock reserved), shipped by a WMS event on the shipment queue (stock consumed,
 * invoice issued) and delivered by a signed courier webhook.
 */
const scenario: BenchScenario = {
  name: 'lifecycle',
  async run() {
    const t = await createTenant('bench lifecycle');
    await createHub(t.tenantId, { code: 'BENCH-1' });
    await t.seller('PUT', '/inventory', { hub_code: 'BENCH-1', sku: 'SKU-L', quantity: ORDERS * 2 });
    const secret = getStack().config.courier.webhook_secret;
    // Each order in flight is polled this often: at 25 ms, 25 orders in flight made 1,000 full
    // order reads a second, which loaded FerretDB more than the lifecycle being measured.
    const poll = { timeout: 30_000, every: 100 };

    const result = await measure(ORDERS, CONCURRENCY, async (i) => {
      const created = await t.seller('POST', '/orders', orderBody([{ sku: 'SKU-L', quantity: 1 }]));
      if (created.status !== 201) throw new Error(`create failed: ${created.status}`);
      const id: string = created.body.data.id;
      await eventually('approved', async () => (await readOrder(t, id)).status === 'approved', poll.timeout, poll.every);
      const awb = `BENCH${Date.now()}${i}`;
      await sendWms(t, id, 'shipped', { shipment: { awb, courier: 'bench' } });
      await eventually('shipped', async () => (await readOrder(t, id)).status === 'shipped', poll.timeout, poll.every);
      const raw = JSON.stringify({ status: 'DELIVERED', timestamp: new Date().toISOString() });
      // A courier retries a 409 (the order is busy with shipping's own effects), as it would in production.
      await eventually('delivered report accepted', async () => {
        const res = await http('POST', `/v1/shipments/${awb}/status`, { raw, headers: { 'x-signature': signCourierBody(secret, raw) } });
        if (res.status !== 200 && res.status !== 409) throw new Error(`webhook failed: ${res.status}`);
        return res.status === 200;
      }, poll.timeout, 100);
    });
    return [
      {
        scenario: `order lifecycle create -> approved -> shipped -> delivered (${ORDERS} orders, ${CONCURRENCY} in flight)`,
        figures: { 'orders/s': result.perSecond, 'p50 ms': result.p50, 'p99 ms': result.p99, seconds: result.seconds },
        notes: 'API create, routing + reservation, WMS shipped via SQS (stock consumed, invoice numbered), courier webhook DELIVERED; each stage polled every 100 ms',
      },
    ];
  },
};

export default scenario;
