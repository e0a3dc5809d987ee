import { AppError } from './errors.js';
import { ORDER_STATUSES, type Actor, type OrderStatus } from './order.js';

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
  approved: {
    on_hold: ['system', 'internal'],
    picking: ['wms', 'internal'],
    cancelled: ['seller', 'internal', 'system'],
  },
  picking: {
    picked: ['wms', 'internal'],
    cancelled: ['seller', 'internal', 'system'],
  },
  picked: { packing: ['wms', 'internal'] },
  packing: { packed: ['wms', 'internal'] },
  packed: {
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
  delivered: {},
  cancelled: {},
  returned_to_origin: {},
};

/** The forward path a WMS or courier may skip along (`approved` straight to `shipped`). */
export const FORWARD_PATH: readonly OrderStatus[] = ORDER_STATUSES.slice(ORDER_STATUSES.indexOf('approved'), ORDER_STATUSES.indexOf('delivered') + 1);

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['delivered', 'cancelled', 'returned_to_origin'];

/** Statuses in which the order holds reserved stock (released on cancel, consumed on ship). */
export const RESERVING_STATUSES: readonly OrderStatus[] = ['approved', 'picking', 'picked', 'packing', 'packed'];

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
  if (status === 'delivery_failed' || status === 'returned_to_origin') return FORWARD_PATH.indexOf('shipped') + 0.5;
  return FORWARD_PATH.indexOf(status);
}
