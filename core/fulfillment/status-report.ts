import type { Actor, OrderStatus } from '../domain/order.js';
import { forwardRank, planTransition, type TransitionPlan } from '../domain/transitions.js';

/**
 * How a reported status relates to the order's current one. WMS and courier events arrive late,
 * twice, or with stages missing; this decides, without touching any store, whether an event moves
 * the order, repeats what it already says, or is older than where the order is.
 */
export type ReportDecision =
  | { kind: 'same' }
  | { kind: 'move'; plan: TransitionPlan }
  | { kind: 'stale' };

/** Throws `invalid_transition` for a move the table forbids that is not explained by age either. */
export function decideReport(current: OrderStatus, reported: OrderStatus, actor: Actor): ReportDecision {
  if (current === reported) return { kind: 'same' };
  try {
    return { kind: 'move', plan: planTransition(current, reported, actor, { allowSkip: true }) };
  } catch (err) {
    const reportedRank = forwardRank(reported);
    if (reportedRank >= 0 && forwardRank(current) > reportedRank) return { kind: 'stale' };
    throw err;
  }
}

/** Statuses after the parcel left the hub: the reservation has been consumed by then. */
export const LEFT_HUB: readonly OrderStatus[] = ['shipped', 'delivered', 'delivery_failed', 'returned_to_origin'];

/** Whether an invoice is due at `status` when invoices are created on `createOn`. */
export function invoiceDue(status: OrderStatus, createOn: 'shipped' | 'packed'): boolean {
  const rank = forwardRank(status);
  return rank >= 0 && rank >= forwardRank(createOn);
}
