import type { Db } from 'mongodb';
import { signCourierWebhook } from '../../core/shipment/courier-webhook.auth.js';
import type { Queues } from '../../core/platform/queues.js';
import type { Answer, ApiClient } from '../bench/per-order/api-client.js';
import { inParallel } from '../bench/per-order/world.js';
import { chaosOrderBody, type ChaosWorld } from './chaos-world.js';

export interface LoadOptions {
  orders: number;
  /** Share of the orders sent over SQS (the rest is POSTed). */
  sqsShare: number;
  /** Orders that also want one unit of the hot SKU. */
  hotOrders: number;
  /** SQS create messages sent twice. */
  duplicates: number;
  /** Of the API orders: edited, and cancelled, right after creation (while routing). */
  editShare: number;
  cancelShare: number;
  /** Share of the shipped orders the courier fails and the WMS returns to origin. */
  returnShare: number;
  /** The submissions are spread over this long. */
  durationMs: number;
}

export interface LoadLedger {
  /** Seller order ids the OMS was handed (SQS accepted the message, or the API answered 201/409 exists). */
  expected: Set<string>;
  /** OMS ids of orders the seller cancelled (answer 200), or tried to and the order had moved on. */
  cancelled: Set<string>;
  edits: number;
  editRefusals: number;
  cancelRefusals: number;
  apiRetries: number;
  sqsRetries: number;
  duplicatesSent: number;
  finishedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries an API call the way a client does when the OMS is briefly unavailable (no answer, 5xx, 429, busy order). */
async function persist(ledger: LoadLedger, call: () => Promise<Answer>, deadline: number): Promise<Answer> {
  for (;;) {
    let res: Answer;
    try {
      res = await call();
    } catch {
      res = { status: 0, body: null };
    }
    const busy = res.status === 409 && res.body?.error?.code === 'order_in_progress';
    if (!(res.status === 0 || res.status >= 500 || res.status === 429 || busy) || Date.now() > deadline) return res;
    ledger.apiRetries++;
    await sleep(500);
  }
}

export async function runLoad(ctx: { api: ApiClient; world: ChaosWorld; queues: Queues; runId: string }, o: LoadOptions): Promise<LoadLedger> {
  const ledger: LoadLedger = {
    expected: new Set(),
    cancelled: new Set(),
    edits: 0,
    editRefusals: 0,
    cancelRefusals: 0,
    apiRetries: 0,
    sqsRetries: 0,
    duplicatesSent: 0,
    finishedAt: 0,
  };
  const sqsCount = Math.round(o.orders * o.sqsShare);
  const apiCount = o.orders - sqsCount;
  const hotEvery = o.hotOrders > 0 ? o.orders / o.hotOrders : Infinity;
  const isHot = (n: number) => Number.isFinite(hotEvery) && Math.floor(n / hotEvery) !== Math.floor((n + 1) / hotEvery);
  const started = Date.now();
  const deadline = started + o.durationMs + 600_000;
  const paceAt = (i: number, count: number) => started + (o.durationMs * i) / Math.max(1, count);

  const sendSqs = async () => {
    const dupEvery = o.duplicates > 0 ? Math.max(1, Math.floor(sqsCount / o.duplicates)) : Infinity;
    for (let i = 0; i < sqsCount; i += 10) {
      const wait = paceAt(i, sqsCount) - Date.now();
      if (wait > 0) await sleep(wait);
      const batch = Array.from({ length: Math.min(10, sqsCount - i) }, (_, k) => {
        const n = i + k;
        const ref = `CH-${ctx.runId}-${n}`;
        return { ref, n, body: { event: 'create_order', tenant_id: ctx.world.tenantId, seller_id: ctx.world.sellerId, order: chaosOrderBody(ctx.world, ref, n, isHot(n)) } };
      });
      // A channel that did not hear back sends the same order again: the duplicates.
      const dups = batch.filter((b) => b.n % dupEvery === 0 && ledger.duplicatesSent < o.duplicates);
      for (;;) {
        try {
          await ctx.queues.sendMany('createOrder', [...batch.map((b) => b.body), ...dups.map((d) => d.body)]);
          break;
        } catch {
          ledger.sqsRetries++;
          await sleep(500);
        }
      }
      ledger.duplicatesSent += dups.length;
      for (const b of batch) ledger.expected.add(b.ref);
    }
  };

  const postApi = async () => {
    const editEvery = o.editShare > 0 ? Math.round(1 / o.editShare) : Infinity;
    const cancelEvery = o.cancelShare > 0 ? Math.round(1 / o.cancelShare) : Infinity;
    await inParallel(Array.from({ length: apiCount }, (_, i) => i), 4, async (i) => {
      const wait = paceAt(i, apiCount) - Date.now();
      if (wait > 0) await sleep(wait);
      const n = sqsCount + i;
      const ref = `API-${ctx.runId}-${i}`;
      const res = await persist(ledger, () => ctx.world.seller('POST', '/orders', chaosOrderBody(ctx.world, ref, n, isHot(n))), deadline);
      if (res.status === 201 || (res.status === 409 && res.body?.error?.code === 'order_already_exists')) ledger.expected.add(ref);
      else throw new Error(`POST order ${ref}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      const id: string | undefined = res.body?.data?.id;
      if (!id) return;
      if (i % editEvery === 1) {
        const edit = await persist(ledger, () => ctx.world.seller('PUT', `/orders/${id}`, { edit_type: 'customer_details', customer: { name: `Edited ${i}` } }), deadline);
        if (edit.status === 200) ledger.edits++;
        else ledger.editRefusals++;
      }
      if (i % cancelEvery === 2) {
        const cancel = await persist(ledger, () => ctx.world.seller('POST', `/orders/${id}/cancel`, { reason: 'customer changed their mind' }), deadline);
        if (cancel.status === 200) ledger.cancelled.add(id);
        else ledger.cancelRefusals++;
      }
    });
  };

  await Promise.all([sendSqs(), postApi()]);
  ledger.finishedAt = Date.now();
  return ledger;
}

/**
 * The WMS and the courier, until stopped: an approved order is reported shipped (shipment queue),
 * a shipped one delivered by a Standard Webhooks signed courier call, or (every `returnEvery`-th)
 * failed, then returned to origin by the WMS. Each step is sent once; a courier call is retried
 * until it is answered 200 (as couriers do), with the same webhook-id.
 */
/** How long the simulated warehouse takes from approval to shipping. */
const PICK_MS = 2000;

export class LifecycleDriver {
  private stopped = false;
  private readonly shipped = new Set<string>();
  private readonly courierDone = new Set<string>();
  private readonly returned = new Set<string>();
  webhookRetries = 0;
  wmsSent = 0;
  webhooksSent = 0;

  constructor(
    private readonly ctx: { api: ApiClient; world: ChaosWorld; queues: Queues; db: Db },
    private readonly returnShare: number,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pass();
      } catch {
        // The store or the queue being restarted: next pass.
      }
      await sleep(500);
    }
  }

  private returns(id: string): boolean {
    let h = 0;
    for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return (h % 1000) / 1000 < this.returnShare;
  }

  private async pass(): Promise<void> {
    const docs = await this.ctx.db.collection('orders').find({ tenant_id: this.ctx.world.tenantId }, { projection: { _id: 1, status: 1, updated_at: 1 } }).toArray();
    const { tenantId, sellerId } = this.ctx.world;
    const wms = (id: string, status: string, extra: Record<string, unknown> = {}) =>
      this.ctx.queues.send('shipment', { event: 'order_status_update', tenant_id: tenantId, seller_id: sellerId, order_id: id, status, occurred_at: new Date().toISOString(), ...extra });
    // A warehouse takes a moment to pick and pack: an order approved under PICK_MS ago waits (and the load's cancels, sent right after creating, meet an order not yet gone).
    const picked = Date.now() - PICK_MS;
    const toShip = docs.filter((d) => d.status === 'approved' && !this.shipped.has(String(d._id)) && new Date(d.updated_at as Date).getTime() < picked);
    for (const d of toShip) {
      const id = String(d._id);
      await wms(id, 'shipped', { shipment: { awb: awbOf(id), courier: 'chaos-express' } });
      this.shipped.add(id);
      this.wmsSent++;
    }
    const toCourier = docs.filter((d) => d.status === 'shipped' && !this.courierDone.has(String(d._id))).map((d) => String(d._id));
    await inParallel(toCourier, 4, async (id) => {
      const status = this.returns(id) ? 'FAILED' : 'DELIVERED';
      const raw = JSON.stringify({ status, timestamp: new Date().toISOString() });
      const res = await this.ctx.api.call('POST', `/v1/shipments/${awbOf(id)}/status`, raw, signCourierWebhook(this.ctx.world.courierSecret, `wh_${id}_${status}`, raw), 15_000);
      this.webhooksSent++;
      if (res.status === 200) this.courierDone.add(id);
      else this.webhookRetries++;
    });
    const toReturn = docs.filter((d) => d.status === 'delivery_failed' && !this.returned.has(String(d._id)));
    for (const d of toReturn) {
      const id = String(d._id);
      await wms(id, 'returned_to_origin');
      this.returned.add(id);
      this.wmsSent++;
    }
  }
}

export function awbOf(orderId: string): string {
  return `AWB-${orderId}`.replace(/[^A-Za-z0-9_-]/g, '-');
}
