import type { HoldReason, Order } from '../domain/order.js';
import type { TenantSettings } from '../tenant/tenant.types.js';

/** The first rule that holds the order, in the order a seller has to act on them: payment, then review. */
export function evaluateHoldRules(rules: TenantSettings['hold_rules'], order: Pick<Order, 'payment'>): HoldReason | null {
  const { payment } = order;
  if (rules.hold_unpaid_prepaid && payment.method === 'prepaid' && payment.status !== 'paid') return 'payment_pending';
  if (rules.manual_review_above_total !== null && payment.total > rules.manual_review_above_total) return 'manual_review';
  if (rules.cod_limit !== null && payment.method === 'cod' && payment.total > rules.cod_limit) return 'manual_review';
  return null;
}

/** Hold reasons that routing clears by itself when stock or a hub turns up. */
export const STOCK_HOLD_REASONS: readonly HoldReason[] = ['insufficient_inventory', 'no_serviceable_hub', 'hub_capacity'];
