import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { OrderStatus } from '../domain/order.js';
import type { Logger } from '../platform/logger.js';
import type { Queues } from '../platform/queues.js';

/** The next stage a simulated warehouse and courier report for an order at each stage. */
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = {
  approved: 'picking',
  picking: 'picked',
  picked: 'packing',
  packing: 'packed',
  packed: 'shipped',
  shipped: 'delivered',
};
/** Re-send a step whose message seems lost after this many ticks. */
const RESEND_AFTER_TICKS = 10;

interface InFlight {
  _id: string;
  tenant_id: string;
  seller_id: string;
  status: OrderStatus;
}

/**
 * Dev mode only (config dev.wms_simulator, service.env development): plays the warehouse for
 * the README demo. Every `stepMs` it sends each approved-to-shipped order the next
 * order_status_update a real WMS would, on the real shipment queue, so the demo exercises the
 * same listener and rules as production. Tests never use it.
 */
export class WmsSimulator {
  readonly name = 'dev-wms-simulator';
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly sent = new Map<string, { status: OrderStatus; ticks: number }>();

  constructor(
    private readonly db: Db,
    private readonly queues: Queues,
    private readonly tenantIds: () => Promise<string[]>,
    private readonly stepMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.logger.info({ step_ms: this.stepMs }, 'dev WMS simulator on: approved orders will move to delivered');
    this.timer ??= setInterval(() => {
      this.running ??= this.tick()
        .catch((err) => this.logger.warn({ err }, 'wms simulator tick failed'))
        .finally(() => {
          this.running = null;
        });
    }, this.stepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async tick(): Promise<void> {
    const seen = new Set<string>();
    for (const tenantId of await this.tenantIds()) {
      // A dev-only read of the orders collection (tenant first, as every query).
      const orders = await this.db
        .collection<InFlight>('orders')
        .find({ tenant_id: tenantId, status: { $in: Object.keys(NEXT) as OrderStatus[] } }, { projection: { _id: 1, tenant_id: 1, seller_id: 1, status: 1 } })
        .limit(500)
        .toArray();
      for (const order of orders) {
        seen.add(order._id);
        const last = this.sent.get(order._id);
        if (last && last.status === order.status && ++last.ticks < RESEND_AFTER_TICKS) continue;
        const next = NEXT[order.status] as OrderStatus;
        await this.queues.send('shipment', {
          event: 'order_status_update',
          tenant_id: order.tenant_id,
          seller_id: order.seller_id,
          order_id: order._id,
          status: next,
          occurred_at: new Date().toISOString(),
          ...(next === 'shipped' ? { shipment: simulatedWaybill() } : {}),
        });
        this.sent.set(order._id, { status: order.status, ticks: 0 });
      }
    }
    for (const id of this.sent.keys()) if (!seen.has(id)) this.sent.delete(id);
  }
}

function simulatedWaybill(): { awb: string; courier: string; tracking_url: string } {
  const awb = `SIM${randomBytes(6).toString('hex').toUpperCase()}`;
  return { awb, courier: 'sim-express', tracking_url: `https://track.example.com/${awb}` };
}
