import { PAYMENT_STATUSES, type Order } from '../domain/order.js';

/** The kinds of value a fact has: they decide which operators and values a condition may use. */
export type FactKind = 'number' | 'string' | 'list';

export interface FactSpec {
  kind: FactKind;
  /** The only values the fact takes (checked against a condition's value when saved). */
  values?: readonly string[];
  /** Facts that need params (sku_quantity needs {sku}). */
  params?: readonly string[];
  description: string;
}

/**
 * Every fact a rule may test, computed from the order alone (no store read). Time facts are
 * of the order's creation, in UTC, so re-evaluating an order later gives the same answer.
 */
export const FACTS: Readonly<Record<string, FactSpec>> = {
  total: { kind: 'number', description: 'payment.total' },
  currency: { kind: 'string', description: 'payment.currency (ISO 4217, upper case)' },
  payment_method: { kind: 'string', values: ['cod', 'prepaid'], description: 'payment.method' },
  payment_status: { kind: 'string', values: [...PAYMENT_STATUSES], description: 'payment.status' },
  sales_channel: { kind: 'string', description: "sales_channel.name, 'direct' without one" },
  country: { kind: 'string', description: 'shipping_address.country (ISO alpha-2, upper case)' },
  state: { kind: 'string', description: 'shipping_address.state' },
  city: { kind: 'string', description: 'shipping_address.city, as given' },
  postal_code: { kind: 'string', description: 'shipping_address.postal_code' },
  customer_name: { kind: 'string', description: 'customer.name' },
  customer_email: { kind: 'string', description: 'customer.email, lower case' },
  customer_email_domain: { kind: 'string', description: 'the part of customer.email after @, lower case' },
  customer_phone: { kind: 'string', description: 'customer.phone' },
  skus: { kind: 'list', description: 'the SKUs of the order lines' },
  sku_quantity: { kind: 'number', params: ['sku'], description: 'units of params.sku in the order (0 if absent)' },
  quantity: { kind: 'number', description: 'units over all lines' },
  line_count: { kind: 'number', description: 'number of order lines' },
  tags: { kind: 'list', description: 'tags on the order' },
  hour_of_day: { kind: 'number', description: 'hour of created_at, UTC (0-23)' },
  minute_of_day: { kind: 'number', description: 'minute of created_at in its day, UTC (0-1439)' },
  day_of_week: { kind: 'number', description: 'day of created_at, UTC (0 Sunday - 6 Saturday)' },
  requested_hub: { kind: 'string', description: 'hub_code the order asked for' },
};

/** The subset of an order rules look at (a posted body in a dry run has no id or status yet). */
export type OrderForRules = Pick<Order, 'seller_id' | 'sales_channel' | 'order_items' | 'customer' | 'shipping_address' | 'payment' | 'hub_code' | 'created_at' | 'tags'>;

/** Pure: the facts of an order, as json-rules-engine runtime facts. */
export function orderFacts(order: OrderForRules): Record<string, unknown> {
  const email = order.customer.email?.toLowerCase() ?? null;
  const quantities: Record<string, number> = {};
  for (const item of order.order_items) quantities[item.seller_sku_code] = (quantities[item.seller_sku_code] ?? 0) + item.quantity;
  const at = new Date(order.created_at);
  return {
    total: order.payment.total,
    currency: order.payment.currency,
    payment_method: order.payment.method,
    payment_status: order.payment.status,
    sales_channel: order.sales_channel?.name ?? 'direct',
    country: order.shipping_address.country,
    state: order.shipping_address.state,
    city: order.shipping_address.city,
    postal_code: order.shipping_address.postal_code,
    customer_name: order.customer.name,
    customer_email: email,
    customer_email_domain: email?.split('@')[1] ?? null,
    customer_phone: order.customer.phone,
    skus: Object.keys(quantities),
    sku_quantities: quantities,
    quantity: Object.values(quantities).reduce((a, b) => a + b, 0),
    line_count: order.order_items.length,
    tags: order.tags ?? [],
    hour_of_day: at.getUTCHours(),
    minute_of_day: at.getUTCHours() * 60 + at.getUTCMinutes(),
    day_of_week: at.getUTCDay(),
    requested_hub: order.hub_code,
  };
}
