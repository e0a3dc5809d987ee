import { randomBytes } from 'node:crypto';
import type { OrderStatus } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { Logger } from '../platform/logger.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
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
/** Orders with something left to play: a split order's parts move on their own while it is partially shipped. */
const IN_FLIGHT = [...(Object.keys(NEXT) as OrderStatus[]), 'partially_shipped'] as OrderStatus[];
/** Re-send a step whose message seems lost after this many ticks. */
const RESEND_AFTER_TICKS = 10;

/**
 * Dev mode only (config dev.wms_simulator, service.env development): plays the warehouse for
 * the README demo. Every `stepMs` it sends each approved-to-shipped order the next
 * order_status_update a real WMS would, on the real shipment queue, so the demo exercises the
 * same listener and rules as production. Between shipped and delivered it plays the courier's
 * OUT_FOR_DELIVERY scan through `outForDelivery` (the courier webhook's use case), for a
 * waybill it handed out itself. A split order's parts are played one by one (each message names
 * its part). Tests never use it.
 */
export function wmsSimulator(
  orders: OrderRepository,
  queues: Queues,
  tenantIds: () => Promise<string[]>,
  stepMs: number,
  logger: Logger,
  outForDelivery?: (awb: string) => Promise<unknown>,
): PeriodicTask {
  const sent = new Map<string, { status: OrderStatus; ticks: number }>();
  /** Waybills handed out with `shipped`, until their out-for-delivery scan is played. */
  const waybills = new Map<string, string>();
  const tick = async () => {
    const seen = new Set<string>();
    for (const tenantId of await tenantIds()) {
      for (const order of await orders.refsInStatuses(tenantScope(tenantId), IN_FLIGHT, 500)) {
        // A split order (docs/adr/0020) is played part by part, each message naming its part.
        const units = order.parts.length > 1 ? order.parts.map((p) => ({ key: `${order.id}/${p.fulfilment_id}`, status: p.status, fulfilmentId: p.fulfilment_id })) : [{ key: order.id, status: order.status, fulfilmentId: null }];
        for (const unit of units) {
          if (!NEXT[unit.status]) continue;
          seen.add(unit.key);
          const last = sent.get(unit.key);
          if (last && last.status === unit.status && ++last.ticks < RESEND_AFTER_TICKS) continue;
          const awb = unit.status === 'shipped' ? waybills.get(unit.key) : undefined;
          if (awb && outForDelivery) {
            waybills.delete(unit.key);
            await outForDelivery(awb).catch((err: unknown) => logger.warn({ err, order_id: order.id }, 'simulated out-for-delivery scan failed'));
            // Delivered on the next tick.
            sent.delete(unit.key);
            continue;
          }
          const next = NEXT[unit.status] as OrderStatus;
          const shipment = next === 'shipped' ? simulatedWaybill() : null;
          if (shipment) waybills.set(unit.key, shipment.awb);
          await queues.send('shipment', {
            event: 'order_status_update',
            tenant_id: tenantId,
            seller_id: order.seller_id,
            order_id: order.id,
            ...(unit.fulfilmentId ? { fulfilment_id: unit.fulfilmentId } : {}),
            status: next,
            occurred_at: new Date().toISOString(),
            ...(shipment ? { shipment } : {}),
          });
          sent.set(unit.key, { status: unit.status, ticks: 0 });
        }
      }
    }
    for (const key of sent.keys()) if (!seen.has(key)) sent.delete(key);
    for (const key of waybills.keys()) if (!seen.has(key)) waybills.delete(key);
  };
  logger.info({ step_ms: stepMs }, 'dev WMS simulator on: approved orders will move to delivered');
  return periodicTask('dev-wms-simulator', stepMs, tick, logger);
}

function simulatedWaybill(): { awb: string; courier: string; tracking_url: string } {
  const awb = `SIM${randomBytes(6).toString('hex').toUpperCase()}`;
  return { awb, courier: 'sim-express', tracking_url: `https://track.example.com/${awb}` };
}
