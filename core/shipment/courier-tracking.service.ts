import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import type { OrderStatus } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { FulfillmentService, ReportOutcome } from '../fulfillment/fulfillment.service.js';
import type { ShipmentRepository } from './shipment.repository.js';
import { refOf } from './shipment.service.js';
import { tenantOfShipmentId, type CourierStatus, type GeoPoint, type Shipment, type ShipmentStatus } from './shipment.types.js';

export interface CourierUpdate {
  status: CourierStatus;
  timestamp: Date;
  location: GeoPoint | null;
}

const ORDER_STATUS: Record<CourierStatus, OrderStatus> = { IN_TRANSIT: 'shipped', OUT_FOR_DELIVERY: 'shipped', DELIVERED: 'delivered', FAILED: 'delivery_failed' };
const SHIPMENT_STATUS: Record<CourierStatus, ShipmentStatus> = { IN_TRANSIT: 'in_transit', OUT_FOR_DELIVERY: 'in_transit', DELIVERED: 'delivered', FAILED: 'failed' };

/**
 * The courier webhook's use case: a status scan for one shipment moves its order (through the
 * transition table, as a courier may) and is kept as a tracking point with its location.
 */
export class CourierTrackingService {
  constructor(
    private readonly repo: ShipmentRepository,
    private readonly fulfillment: FulfillmentService,
  ) {}

  async record(idOrAwb: string, update: CourierUpdate): Promise<{ shipment: Shipment; outcome: ReportOutcome }> {
    const shipment = await this.resolve(idOrAwb);
    const scope = tenantScope(shipment.tenant_id);
    // The scan's own identity: a courier retrying the same call is recognised, a new scan is not.
    const key = createHash('sha256').update(`${shipment.id}|${update.status}|${update.timestamp.toISOString()}`).digest('hex').slice(0, 32);
    // The tracking point is written last, so finding it means the whole scan was handled before.
    if (shipment.tracking.some((p) => p.key === key)) return { shipment, outcome: 'duplicate' };
    const tracking = { status: update.status, at: update.timestamp.toISOString(), location: update.location };
    // The shipment.updated.v1 event is written into the order's outbox by the same conditional
    // update that records the scan; the outbox relay and the order-updates listener turn it into
    // the customer notification, so "queued" means committed with the status, never lost.
    const { outcome } = await this.fulfillment.report(
      scope,
      shipment.order_id,
      {
        to: ORDER_STATUS[update.status],
        actor: 'courier',
        key: `courier:${key}`,
        occurredAt: update.timestamp,
        recordRepeats: true,
        // A part's shipment names its part; the waybill also identifies it (a booking's AWB).
        fulfilmentId: shipment.fulfilment_id ?? null,
        awb: shipment.awb,
        events: [{ type: EVENT_TYPES.shipmentUpdated, data: { shipment: { ...refOf(shipment), status: SHIPMENT_STATUS[update.status] }, tracking } }],
        details: { shipment_id: shipment.id, courier_status: update.status, location: update.location },
      },
      shipment.seller_id,
    );
    await this.repo.addTrackingPoint(
      scope,
      shipment.id,
      { key, source: 'courier', status: update.status, at: update.timestamp, location: update.location, received_at: new Date() },
      outcome === 'stale' ? null : SHIPMENT_STATUS[update.status],
    );
    return { shipment: (await this.repo.findById(scope, shipment.id)) ?? shipment, outcome };
  }

  private async resolve(idOrAwb: string): Promise<Shipment> {
    const tenantId = tenantOfShipmentId(idOrAwb);
    let shipment: Shipment | null = null;
    if (tenantId) {
      shipment = await this.repo.findById(tenantScope(tenantId), idOrAwb);
    } else {
      const ref = await this.repo.resolveAwb(idOrAwb);
      if (ref) shipment = await this.repo.findById(tenantScope(ref.tenantId), ref.shipmentId);
    }
    if (!shipment) throw AppError.notFound('shipment', idOrAwb);
    return shipment;
  }
}
