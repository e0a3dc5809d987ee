import type { Collection, Db } from 'mongodb';
import { AppError } from '../domain/errors.js';
import type { SellerScope, TenantScope } from '../domain/tenant-scope.js';
import { isDuplicateKey, type IndexPlan } from '../platform/mongo.js';
import type { Shipment, ShipmentStatus, TrackingPoint } from './shipment.types.js';

/**
 * `tracking_keys` mirrors the keys of `tracking`, written with them: the "store a point once"
 * guard conditions on it because FerretDB 1.x evaluates `{'tracking.key': {$ne: k}}` wrongly once
 * the array holds another point (it matched, and a replayed scan was stored twice).
 */
type ShipmentDoc = Omit<Shipment, 'id'> & { _id: string; tracking_keys?: string[] };

/**
 * AWB -> tenant, keyed by the AWB itself: the webhook may name a shipment by AWB alone, and a
 * lookup by `_id` needs no cross-tenant secondary index. It makes an AWB unique across tenants,
 * which couriers guarantee anyway (an AWB is the courier's global waybill number).
 */
interface AwbDoc {
  _id: string;
  tenant_id: string;
  shipment_id: string;
}

export const SHIPMENT_INDEXES: IndexPlan = {
  shipments: [
    // One shipment per order part: a re-attempt after delivery_failed travels on the same waybill.
    // Single-hub shipments have fulfilment_id null: still one per order. It
    // replaces `tenant_order` (one per order), which a split order's second part could not pass.
    { key: { tenant_id: 1, order_id: 1, fulfilment_id: 1 }, name: 'tenant_order_fulfilment', unique: true, replaces: 'tenant_order' },
    { key: { tenant_id: 1, awb: 1 }, name: 'tenant_awb', unique: true },
    { key: { tenant_id: 1, seller_id: 1, created_at: -1 }, name: 'tenant_seller_created' },
  ],
};

export class ShipmentRepository {
  private readonly shipments: Collection<ShipmentDoc>;
  private readonly awbs: Collection<AwbDoc>;

  constructor(db: Db) {
    this.shipments = db.collection('shipments');
    this.awbs = db.collection('shipment_awbs');
  }

  /** Registers the AWB, then the shipment; a taken AWB or an order that already has one is `conflict`. */
  async insert(shipment: Shipment): Promise<void> {
    await this.claimAwb(shipment.tenant_id, shipment.awb, shipment.id);
    const { id, ...rest } = shipment;
    try {
      await this.shipments.insertOne({ _id: id, ...rest, tracking_keys: rest.tracking.map((p) => p.key) });
    } catch (err) {
      await this.awbs.deleteOne({ _id: shipment.awb, shipment_id: shipment.id });
      if (isDuplicateKey(err)) {
        const part = shipment.fulfilment_id ? { fulfilment_id: shipment.fulfilment_id } : {};
        throw new AppError('conflict', `order ${shipment.order_id} already has a shipment${shipment.fulfilment_id ? ` for ${shipment.fulfilment_id}` : ''}`, { order_id: shipment.order_id, ...part });
      }
      throw err;
    }
  }

  async findById(scope: TenantScope, id: string): Promise<Shipment | null> {
    const doc = await this.shipments.findOne({ tenant_id: scope.tenantId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  async findForSeller(scope: SellerScope, id: string): Promise<Shipment | null> {
    const doc = await this.shipments.findOne({ tenant_id: scope.tenantId, seller_id: scope.sellerId, _id: id });
    return doc ? fromDoc(doc) : null;
  }

  /** The order's shipment, or (`fulfilmentId` given) the shipment of that part of a split order. */
  async findByOrder(scope: TenantScope, orderId: string, fulfilmentId?: string): Promise<Shipment | null> {
    const doc = await this.shipments.findOne({ tenant_id: scope.tenantId, order_id: orderId, ...(fulfilmentId ? { fulfilment_id: fulfilmentId } : {}) });
    return doc ? fromDoc(doc) : null;
  }

  /** The tenant and shipment an AWB belongs to (webhook lookups). */
  async resolveAwb(awb: string): Promise<{ tenantId: string; shipmentId: string } | null> {
    const doc = await this.awbs.findOne({ _id: awb });
    return doc ? { tenantId: doc.tenant_id, shipmentId: doc.shipment_id } : null;
  }

  /** Changes courier details; a new AWB is claimed before the old one is let go. */
  async updateDetails(current: Shipment, patch: { courier?: string; awb?: string; tracking_url?: string | null }): Promise<Shipment> {
    const awbChanged = patch.awb !== undefined && patch.awb !== current.awb;
    if (awbChanged) await this.claimAwb(current.tenant_id, patch.awb as string, current.id);
    const doc = await this.shipments.findOneAndUpdate(
      { tenant_id: current.tenant_id, _id: current.id },
      { $set: { ...patch, updated_at: new Date() } },
      { returnDocument: 'after' },
    );
    if (!doc) throw AppError.notFound('shipment', current.id);
    if (awbChanged) await this.awbs.deleteOne({ _id: current.awb, shipment_id: current.id });
    return fromDoc(doc);
  }

  /** Stores a tracking point once (keyed); returns false when it was already stored. */
  async addTrackingPoint(scope: TenantScope, id: string, point: TrackingPoint, status: ShipmentStatus | null): Promise<boolean> {
    const $set: Record<string, unknown> = { updated_at: point.received_at };
    if (status) $set.status = status;
    const res = await this.shipments.updateOne(
      { tenant_id: scope.tenantId, _id: id, tracking_keys: { $ne: point.key } },
      { $push: { tracking: point, tracking_keys: point.key }, $set },
    );
    return res.modifiedCount === 1;
  }

  private async claimAwb(tenantId: string, awb: string, shipmentId: string): Promise<void> {
    try {
      await this.awbs.insertOne({ _id: awb, tenant_id: tenantId, shipment_id: shipmentId });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.awbs.findOne({ _id: awb });
      if (existing?.shipment_id === shipmentId) return;
      // A claim whose shipment was never written (the process died in between) blocks nobody.
      if (existing && existing.tenant_id === tenantId && !(await this.shipments.findOne({ tenant_id: tenantId, _id: existing.shipment_id }, { projection: { _id: 1 } }))) {
        const taken = await this.awbs.updateOne({ _id: awb, shipment_id: existing.shipment_id }, { $set: { shipment_id: shipmentId } });
        if (taken.modifiedCount === 1) return;
      }
      throw new AppError('conflict', `AWB ${awb} is already used by another shipment`, { awb });
    }
  }
}

function fromDoc({ _id, tracking_keys: _keys, ...rest }: ShipmentDoc): Shipment {
  return { id: _id, ...rest };
}
