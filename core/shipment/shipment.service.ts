import { AppError } from '../domain/errors.js';
import { EVENT_TYPES } from '../domain/events.js';
import { isSplit, type Fulfilment, type Order, type OrderStatus, type ShipmentRef } from '../domain/order.js';
import { tenantScope, type SellerScope } from '../domain/tenant-scope.js';
import type { OrderRepository } from '../order/order.repository.js';
import { unknownPart, type ShipmentAttacher } from '../fulfillment/fulfillment.service.js';
import { updateOrderRetrying } from '../fulfillment/order-retry.js';
import type { ShipmentRepository } from './shipment.repository.js';
import { newShipmentId, type Shipment } from './shipment.types.js';

export interface CreateShipmentInput {
  order_id: string;
  /** The part of a split order the waybill is for (docs/adr/0020); a one-part order's is its order id. */
  fulfilment_id?: string;
  courier: string;
  awb: string;
  tracking_url?: string | null;
}

export interface UpdateShipmentInput {
  courier?: string;
  awb?: string;
  tracking_url?: string | null;
}

/** Orders that may be given a waybill: from approval until the parcel is out (or back for a re-attempt). */
const SHIPPABLE: readonly OrderStatus[] = ['approved', 'picking', 'picked', 'packing', 'packed', 'shipped', 'delivery_failed'];
const FINAL_SHIPMENT = ['delivered', 'returned'];

export type BulkItemResult = { order_id: string; ok: true; shipment: Shipment } | { order_id: string; ok: false; error: AppError };

export class ShipmentService implements ShipmentAttacher {
  constructor(
    private readonly repo: ShipmentRepository,
    private readonly orders: OrderRepository,
  ) {}

  /**
   * Registers a waybill for an order (or for one part of a split order, which must be named); the
   * same waybill again answers the existing shipment.
   */
  async create(scope: SellerScope, input: CreateShipmentInput): Promise<{ shipment: Shipment; created: boolean }> {
    const order = await this.findOrder(scope, input.order_id);
    const part = partFor(order, input.fulfilment_id);
    const existing = await this.repo.findByOrder(scope, order.id, part?.fulfilment_id);
    if (existing) {
      if (existing.awb === input.awb && existing.courier === input.courier) return { shipment: existing, created: false };
      throw new AppError('conflict', `${part ? `part ${part.fulfilment_id} of ` : ''}order ${input.order_id} already has shipment ${existing.id}`, {
        order_id: input.order_id,
        shipment_id: existing.id,
        ...(part ? { fulfilment_id: part.fulfilment_id } : {}),
      });
    }
    const status = part?.status ?? order.status;
    if (!SHIPPABLE.includes(status)) {
      throw new AppError('conflict', `${part ? `part ${part.fulfilment_id} in status ${status}` : `an order in status ${status}`} cannot be shipped`, {
        order_id: input.order_id,
        status,
        ...(part ? { fulfilment_id: part.fulfilment_id } : {}),
      });
    }
    const shipment = this.newShipment(order, input, part?.fulfilment_id);
    await this.repo.insert(shipment);
    await this.pointOrderAt(order, shipment, 'shipment_created');
    return { shipment, created: true };
  }

  async get(scope: SellerScope, id: string): Promise<Shipment> {
    const shipment = await this.repo.findForSeller(scope, id);
    if (!shipment) throw AppError.notFound('shipment', id);
    return shipment;
  }

  async update(scope: SellerScope, id: string, patch: UpdateShipmentInput): Promise<Shipment> {
    const current = await this.get(scope, id);
    if (FINAL_SHIPMENT.includes(current.status)) {
      throw new AppError('conflict', `shipment ${id} is ${current.status} and can no longer change`, { shipment_id: id, status: current.status });
    }
    const updated = await this.repo.updateDetails(current, patch);
    const order = await this.orders.findInTenant(scope, updated.order_id);
    if (order) await this.pointOrderAt(order, updated, 'shipment_updated');
    return updated;
  }

  /** Each item on its own: one bad order does not stop the others (answered per item). */
  async createMany(scope: SellerScope, inputs: CreateShipmentInput[]): Promise<BulkItemResult[]> {
    const results: BulkItemResult[] = [];
    for (const input of inputs) {
      try {
        results.push({ order_id: input.order_id, ok: true, shipment: (await this.create(scope, input)).shipment });
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        results.push({ order_id: input.order_id, ok: false, error: err });
      }
    }
    return results;
  }

  /**
   * The WMS reported `shipped` with a waybill (or a courier was booked): the shipment record behind
   * the order's reference. `fulfilmentId` names the part of a split order: each part has its own
   * record, so a courier webhook for its waybill reaches it.
   */
  async attachFromWms(order: Order, info: { awb: string; courier: string; tracking_url: string | null }, fulfilmentId?: string): Promise<ShipmentRef> {
    const scope = tenantScope(order.tenant_id);
    let shipment = await this.repo.findByOrder(scope, order.id, fulfilmentId);
    if (!shipment) {
      shipment = this.newShipment(order, info, fulfilmentId);
      try {
        await this.repo.insert(shipment);
      } catch (err) {
        // Two deliveries of the same event raced: the other one's shipment is the one.
        const winner = await this.repo.findByOrder(scope, order.id, fulfilmentId);
        if (!winner) throw err;
        shipment = winner;
      }
    }
    return refOf(shipment);
  }

  private newShipment(order: Order, input: { courier: string; awb: string; tracking_url?: string | null }, fulfilmentId?: string): Shipment {
    const now = new Date();
    return {
      id: newShipmentId(order.tenant_id),
      tenant_id: order.tenant_id,
      seller_id: order.seller_id,
      order_id: order.id,
      // Written as null, not left out, on single-hub orders: the unique index (tenant, order, part)
      // must see "no part" as one value, and not every store indexes a missing key as null.
      fulfilment_id: fulfilmentId ?? null,
      courier: input.courier,
      awb: input.awb,
      tracking_url: input.tracking_url ?? null,
      status: 'created',
      tracking: [],
      created_at: now,
      updated_at: now,
    };
  }

  /** The order's reference to the shipment (a part's on a split order; the first part's also fills the order's own). */
  private async pointOrderAt(order: Order, shipment: Shipment, kind: string): Promise<void> {
    const ref = refOf(shipment);
    const partId = shipment.fulfilment_id ?? null;
    await updateOrderRetrying(this.orders, tenantScope(order.tenant_id), order, (current) => {
      const part = partId ? current.fulfilments?.find((f) => f.fulfilment_id === partId) : undefined;
      if (part ? sameRef(part.shipment, ref) : sameRef(current.shipment, ref)) return null;
      const orderRef = !part || !current.shipment || current.shipment.shipment_id === shipment.id ? { shipment: ref } : {};
      const fulfilments = part ? { fulfilments: current.fulfilments!.map((f) => (f.fulfilment_id === partId ? { ...f, shipment: ref } : f)) } : {};
      const named = part ? { fulfilment_id: part.fulfilment_id } : {};
      return {
        set: { ...orderRef, ...fulfilments },
        timeline: [{ actor: 'seller', kind, from: null, to: null, reason: null, details: { shipment_id: shipment.id, awb: shipment.awb, courier: shipment.courier, ...named } }],
        events: [{ type: kind === 'shipment_created' ? EVENT_TYPES.shipmentCreated : EVENT_TYPES.shipmentUpdated, data: { shipment: ref, ...named } }],
      };
    });
  }

  private async findOrder(scope: SellerScope, orderId: string): Promise<Order> {
    // `order_id` may be the OMS id or the seller's own reference.
    const order = (await this.orders.findById(scope, orderId)) ?? (await this.orders.findBySellerOrderId(scope, orderId));
    if (!order) throw AppError.notFound('order', orderId);
    return order;
  }
}

/**
 * The part a seller's waybill is for: a split order's must be named (400 otherwise, listing its
 * parts) and be one of its parts (404); a one-part order's may be named by its only part's id.
 */
function partFor(order: Order, fulfilmentId: string | undefined): Fulfilment | null {
  if (!isSplit(order)) {
    if (fulfilmentId !== undefined && fulfilmentId !== order.id) throw unknownPart(order, fulfilmentId);
    return null;
  }
  const ids = order.fulfilments!.map((f) => f.fulfilment_id);
  if (fulfilmentId === undefined) {
    throw new AppError('bad_request', `order ${order.id} is split into ${ids.length} parts: name the part the waybill is for in fulfilment_id`, { order_id: order.id, fulfilment_ids: ids });
  }
  const part = order.fulfilments!.find((f) => f.fulfilment_id === fulfilmentId);
  if (!part) throw unknownPart(order, fulfilmentId);
  return part;
}

export function refOf(s: Shipment): ShipmentRef {
  return { shipment_id: s.id, awb: s.awb, courier: s.courier, tracking_url: s.tracking_url };
}

function sameRef(a: ShipmentRef | null, b: ShipmentRef): boolean {
  return !!a && a.shipment_id === b.shipment_id && a.awb === b.awb && a.courier === b.courier && a.tracking_url === b.tracking_url;
}
