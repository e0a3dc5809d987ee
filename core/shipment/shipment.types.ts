import { randomBytes } from 'node:crypto';

/**
 * The courier's statuses on the webhook (API.md), and the shipment's own lifecycle.
 * IN_TRANSIT and OUT_FOR_DELIVERY are scans that do not move a shipped order: they are kept as
 * tracking and on the timeline, and tell the customer (core/notification).
 */
export const COURIER_STATUSES = ['IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED', 'FAILED'] as const;
export type CourierStatus = (typeof COURIER_STATUSES)[number];

export const SHIPMENT_STATUSES = ['created', 'in_transit', 'delivered', 'failed', 'returned'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export interface GeoPoint {
  lat: number;
  lng: number;
}

/** One report from the courier (or the WMS), kept with where it was made. */
export interface TrackingPoint {
  /** Derived from the report itself, so a repeated report is recognised and stored once. */
  key: string;
  source: 'courier' | 'wms';
  status: string;
  at: Date;
  location: GeoPoint | null;
  received_at: Date;
}

export interface Shipment {
  id: string;
  tenant_id: string;
  seller_id: string;
  /** The OMS order id. */
  order_id: string;
  /**
   * The part of a split order this shipment carries (docs/adr/0020); null on a single-hub
   * order's one shipment (absent on records made before parts had shipments).
   */
  fulfilment_id?: string | null;
  courier: string;
  awb: string;
  tracking_url: string | null;
  status: ShipmentStatus;
  tracking: TrackingPoint[];
  created_at: Date;
  updated_at: Date;
}

/**
 * Shipment ids carry their tenant (`shp_<tenant>_<hex>`) because the courier webhook names only
 * the shipment: the tenant must come from the id itself, not from a cross-tenant index.
 */
export function newShipmentId(tenantId: string): string {
  return `shp_${tenantId}_${randomBytes(12).toString('hex')}`;
}

export function tenantOfShipmentId(id: string): string | null {
  return /^shp_(.+)_[0-9a-f]{24}$/.exec(id)?.[1] ?? null;
}

export function toShipmentView(s: Shipment): Record<string, unknown> {
  return {
    id: s.id,
    seller_id: s.seller_id,
    order_id: s.order_id,
    ...(s.fulfilment_id ? { fulfilment_id: s.fulfilment_id } : {}),
    courier: s.courier,
    awb: s.awb,
    tracking_url: s.tracking_url,
    status: s.status,
    tracking: s.tracking.map((t) => ({ source: t.source, status: t.status, at: t.at.toISOString(), location: t.location, received_at: t.received_at.toISOString() })),
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}
