import type { OrderStatus } from '../../core/domain/order.js';

/**
 * OMS status -> the status each platform knows. A platform has far fewer statuses than the OMS,
 * so several OMS stages map to one and only a change of the mapped value is worth a call.
 * null: the platform has no equivalent we may set (Amazon cancellations go through its own flow).
 */
const MAPS: Record<string, Partial<Record<OrderStatus, string>>> = {
  shopify: {
    pending: 'pending',
    on_hold: 'pending',
    approved: 'paid',
    picking: 'paid',
    picked: 'paid',
    packing: 'paid',
    packed: 'paid',
    shipped: 'fulfilled',
    delivery_failed: 'fulfilled',
    delivered: 'fulfilled',
    cancelled: 'cancelled',
    returned_to_origin: 'cancelled',
  },
  woocommerce: {
    pending: 'processing',
    on_hold: 'processing',
    approved: 'processing',
    picking: 'processing',
    picked: 'processing',
    packing: 'processing',
    packed: 'processing',
    shipped: 'completed',
    delivery_failed: 'completed',
    delivered: 'completed',
    cancelled: 'cancelled',
    returned_to_origin: 'cancelled',
  },
  amazon: {
    pending: 'Pending',
    on_hold: 'Pending',
    approved: 'Pending',
    picking: 'Pending',
    picked: 'Pending',
    packing: 'Pending',
    packed: 'Pending',
    shipped: 'Shipped',
    delivery_failed: 'Shipped',
    delivered: 'Delivered',
  },
};

export function channelStatusFor(platform: string, status: OrderStatus): string | null {
  return MAPS[platform.toLowerCase()]?.[status] ?? null;
}

/** The platform status to send for a move, or null when the platform sees no change. */
export function channelStatusChange(platform: string, from: OrderStatus | null, to: OrderStatus): string | null {
  const next = channelStatusFor(platform, to);
  if (next === null) return null;
  return from !== null && channelStatusFor(platform, from) === next ? null : next;
}

export function knownPlatforms(): string[] {
  return Object.keys(MAPS);
}
