import { AppError } from '../domain/errors.js';
import type { Customer, Order, OrderItem, OrderStatus, Payment, ShippingAddress } from '../domain/order.js';
import type { OrderChange } from './order.repository.js';

export type EditType = 'customer_details' | 'shipping_address' | 'order_items' | 'payment';

/**
 * Which edits each status allows: the one rule table for edits.
 * - Customer details are only contact data: editable until the parcel is delivered or gone.
 * - The address is printed on the label at packing, so it is frozen from `packed` on (on a split
 *   order, from the moment any part is packed).
 * - Items decide routing and reservation, so only before approval (and only while nothing is
 *   reserved: a held order that already holds stock must be cancelled and re-created).
 * - Payment status comes from the sales channel and may change at any time (a refund after
 *   delivery included), except on an order that never happened.
 */
export const EDIT_RULES: Readonly<Record<EditType, readonly OrderStatus[]>> = {
  customer_details: ['pending', 'on_hold', 'approved', 'picking', 'picked', 'packing', 'packed', 'partially_shipped', 'shipped', 'delivery_failed'],
  shipping_address: ['pending', 'on_hold', 'approved', 'picking', 'picked', 'packing'],
  order_items: ['pending', 'on_hold'],
  payment: ['pending', 'on_hold', 'approved', 'picking', 'picked', 'packing', 'packed', 'partially_shipped', 'shipped', 'delivered', 'delivery_failed', 'returned_to_origin'],
};

export type OrderEdit =
  | { edit_type: 'customer_details'; customer: Partial<Customer> }
  | { edit_type: 'shipping_address'; shipping_address: Partial<ShippingAddress> }
  | { edit_type: 'order_items'; order_items: OrderItem[] }
  | { edit_type: 'payment'; payment: Partial<Payment> };

/** Where an edit came from: a sales channel's address is also kept in its own spelling. */
export type EditSource = 'api' | 'sales_channel';

export interface EditPlan {
  set: NonNullable<OrderChange['set']>;
  /** Dotted names of the fields that change (timeline and event details). */
  fields: string[];
}

/** Checks the rule table and computes what one or more edits set; throws `edit_not_allowed`. */
export function planEdits(order: Order, edits: OrderEdit[], source: EditSource): EditPlan {
  const plan: EditPlan = { set: {}, fields: [] };
  for (const edit of edits) {
    if (!EDIT_RULES[edit.edit_type].includes(order.status)) {
      throw new AppError('edit_not_allowed', `${edit.edit_type} cannot be edited while the order is ${order.status}`, {
        edit_type: edit.edit_type,
        status: order.status,
        allowed_in: EDIT_RULES[edit.edit_type],
      });
    }
    switch (edit.edit_type) {
      case 'customer_details':
        plan.set.customer = { ...order.customer, ...edit.customer };
        plan.fields.push(...Object.keys(edit.customer).map((k) => `customer.${k}`));
        break;
      case 'shipping_address': {
        // A split order is where its least advanced part is; a part further on has its label printed.
        const frozen = (order.fulfilments ?? []).find((f) => !EDIT_RULES.shipping_address.includes(f.status));
        if (frozen) {
          throw new AppError('edit_not_allowed', `shipping_address cannot be edited: part ${frozen.fulfilment_id} is ${frozen.status}`, {
            edit_type: edit.edit_type,
            status: order.status,
            fulfilment_id: frozen.fulfilment_id,
            fulfilment_status: frozen.status,
            allowed_in: EDIT_RULES.shipping_address,
          });
        }
        const address: ShippingAddress = { ...order.shipping_address, ...edit.shipping_address };
        if (source === 'sales_channel') {
          address.sales_channel_city = edit.shipping_address.city ?? order.shipping_address.sales_channel_city ?? null;
          address.sales_channel_state = edit.shipping_address.state ?? order.shipping_address.sales_channel_state ?? null;
          address.sales_channel_country = edit.shipping_address.country ?? order.shipping_address.sales_channel_country ?? null;
        }
        plan.set.shipping_address = address;
        plan.fields.push(...Object.keys(edit.shipping_address).map((k) => `shipping_address.${k}`));
        break;
      }
      case 'order_items':
        if ((order.reservation?.lines.length ?? 0) > 0) {
          throw new AppError('edit_not_allowed', 'the order holds reserved stock; cancel it and create a new one to change items', {
            edit_type: edit.edit_type,
            status: order.status,
          });
        }
        plan.set.order_items = edit.order_items;
        plan.fields.push('order_items');
        break;
      case 'payment':
        plan.set.payment = { ...order.payment, ...edit.payment };
        plan.fields.push(...Object.keys(edit.payment).map((k) => `payment.${k}`));
        break;
    }
  }
  return plan;
}
