import { AppError } from './errors.js';
import { ORDER_STATUSES, type Actor, type Order, type OrderStatus, type Reservation } from './order.js';

/** Who reports a part's progress (WMS, courier, operators): they move a split order's status too. */
const PART_REPORTERS: readonly Actor[] = ['wms', 'courier', 'internal'];

/**
 * Every allowed status move and who may cause it. This table is the order state machine: code
 * never sets a status any other way (see OrderRepository.transition).
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, Partial<Record<OrderStatus, readonly Actor[]>>>> = {
  pending: {
    on_hold: ['system', 'internal', 'seller'],
    approved: ['system', 'seller', 'internal'],
    cancelled: ['seller', 'internal', 'system'],
  },
  on_hold: {
    approved: ['seller', 'internal', 'system'],
    cancelled: ['seller', 'internal', 'system'],
  },
  // `partially_shipped` is reached only by a split order whose first part leaves its hub
  // (deriveOrderStatus below); it is off the forward path, so single-hub orders never pass it.
  approved: {
    on_hold: ['system', 'internal'],
    picking: ['wms', 'internal'],
    cancelled: ['seller', 'internal', 'system'],
    partially_shipped: PART_REPORTERS,
  },
  picking: {
    picked: ['wms', 'internal'],
    cancelled: ['seller', 'internal', 'system'],
    partially_shipped: PART_REPORTERS,
  },
  picked: { packing: ['wms', 'internal'], partially_shipped: PART_REPORTERS },
  packing: { packed: ['wms', 'internal'], partially_shipped: PART_REPORTERS },
  packed: {
    partially_shipped: PART_REPORTERS,
    shipped: ['wms', 'internal', 'courier'],
    // Before the courier's pickup an operator (internal service) may still stop the parcel; its
    // courier booking is cancelled as compensation (core/courier, docs/adr/0011). Sellers cannot.
    cancelled: ['internal'],
  },
  shipped: {
    delivered: ['wms', 'courier', 'internal'],
    delivery_failed: ['wms', 'courier', 'internal'],
  },
  delivery_failed: {
    shipped: ['wms', 'courier', 'internal'],
    returned_to_origin: ['wms', 'courier', 'internal'],
  },
  partially_shipped: {
    shipped: PART_REPORTERS,
  },
  delivered: {},
  cancelled: {},
  returned_to_origin: {},
};

/** The forward path a WMS or courier may skip along (`approved` straight to `shipped`). */
export const FORWARD_PATH: readonly OrderStatus[] = ORDER_STATUSES.slice(ORDER_STATUSES.indexOf('approved'), ORDER_STATUSES.indexOf('delivered') + 1);

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['delivered', 'cancelled', 'returned_to_origin'];

/** Statuses in which the order holds reserved stock (released on cancel, consumed on ship). */
export const RESERVING_STATUSES: readonly OrderStatus[] = ['approved', 'picking', 'picked', 'packing', 'packed'];

/** Statuses of an order (or part) whose parcel has left the hub: its reservation has been consumed. */
export const LEFT_HUB_STATUSES: readonly OrderStatus[] = ['shipped', 'delivered', 'delivery_failed', 'returned_to_origin'];

/**
 * THE rule that derives a split order's status from its parts' (docs/adr/0020). Cancelled parts
 * are ignored (all cancelled: cancelled). Before any part leaves its hub the order is where its
 * least advanced part is; `partially_shipped` while some parts have left and some not; once all
 * have left: delivered when every one is delivered (or came back: an RTO part does not keep the
 * rest from counting as delivered), returned_to_origin when every one came back,
 * delivery_failed while one failed, else shipped.
 */
export function deriveOrderStatus(parts: readonly OrderStatus[]): OrderStatus {
  const live = parts.filter((s) => s !== 'cancelled');
  if (live.length === 0) return 'cancelled';
  const left = live.filter((s) => LEFT_HUB_STATUSES.includes(s));
  if (left.length === 0) return live.reduce((least, s) => (forwardRank(s) < forwardRank(least) ? s : least));
  if (left.length < live.length) return 'partially_shipped';
  if (live.every((s) => s === 'delivered')) return 'delivered';
  if (live.every((s) => s === 'returned_to_origin')) return 'returned_to_origin';
  if (live.every((s) => s === 'delivered' || s === 'returned_to_origin')) return 'delivered';
  if (live.includes('delivery_failed')) return 'delivery_failed';
  return 'shipped';
}

/**
 * A split order's parts after a move made on the whole order: a cancel cancels every part still at
 * its hub (undefined: the parts do not change; single-hub orders store none).
 */
export function partsAfterOrderMove(order: Pick<Order, 'fulfilments'>, to: OrderStatus): Order['fulfilments'] | undefined {
  if (to !== 'cancelled' || !order.fulfilments || order.fulfilments.length < 2) return undefined;
  return order.fulfilments.map((f) => (LEFT_HUB_STATUSES.includes(f.status) ? f : { ...f, status: 'cancelled' }));
}

/**
 * What the order holds at hubs right now, one reservation per hub: every part still at its hub
 * (split orders), or the order's reservation while it is in a reserving status. `oms check-stock`
 * and routing's clean-up count holds with it.
 */
export function heldReservations(order: Pick<Order, 'status' | 'reservation' | 'fulfilments'>): Reservation[] {
  if (order.fulfilments && order.fulfilments.length > 1) {
    if (!RESERVING_STATUSES.includes(order.status) && order.status !== 'partially_shipped') return [];
    return order.fulfilments.filter((f) => RESERVING_STATUSES.includes(f.status)).map((f) => ({ hub_code: f.hub_code, lines: f.lines }));
  }
  return order.reservation && RESERVING_STATUSES.includes(order.status) ? [order.reservation] : [];
}

export function canTransition(from: OrderStatus, to: OrderStatus, actor: Actor): boolean {
  return TRANSITIONS[from][to]?.includes(actor) ?? false;
}

export interface TransitionPlan {
  from: OrderStatus;
  to: OrderStatus;
  /** Forward stages passed over on the way (empty for a single step). */
  skipped: OrderStatus[];
}

/**
 * Plans a move. A single allowed step is always fine. With `allowSkip` (WMS and courier events,
 * which often report only some stages), the shortest chain of allowed steps whose intermediate
 * stages all lie on the forward path is fine too, and the passed-over stages are returned so the
 * timeline can say what was skipped. Anything else is `invalid_transition`.
 */
export function planTransition(
  from: OrderStatus,
  to: OrderStatus,
  actor: Actor,
  options: { allowSkip?: boolean } = {},
): TransitionPlan {
  if (canTransition(from, to, actor)) return { from, to, skipped: [] };
  if (options.allowSkip) {
    const cameFrom = new Map<OrderStatus, OrderStatus>([[from, from]]);
    const queue: OrderStatus[] = [from];
    while (queue.length > 0 && !cameFrom.has(to)) {
      const at = queue.shift() as OrderStatus;
      for (const next of Object.keys(TRANSITIONS[at]) as OrderStatus[]) {
        if (cameFrom.has(next) || !canTransition(at, next, actor)) continue;
        if (next !== to && !FORWARD_PATH.includes(next)) continue;
        cameFrom.set(next, at);
        queue.push(next);
      }
    }
    if (cameFrom.has(to)) {
      const skipped: OrderStatus[] = [];
      for (let at = cameFrom.get(to) as OrderStatus; at !== from; at = cameFrom.get(at) as OrderStatus) skipped.unshift(at);
      return { from, to, skipped };
    }
  }
  throw new AppError('invalid_transition', `an order cannot move from ${from} to ${to} (${actor})`, {
    from,
    to,
    actor,
  });
}

/** Position on the forward path, or -1 off it: lets event handlers tell stale events from new ones. */
export function forwardRank(status: OrderStatus): number {
  if (status === 'partially_shipped') return FORWARD_PATH.indexOf('packed') + 0.5;
  if (status === 'delivery_failed' || status === 'returned_to_origin') return FORWARD_PATH.indexOf('shipped') + 0.5;
  return FORWARD_PATH.indexOf(status);
}
