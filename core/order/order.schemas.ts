import { z } from 'zod';
import { HOLD_REASONS, ORDER_STATUSES } from '../domain/order.js';

/** Request and message shapes of API.md, shared by the routes and the create-order listener. */

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).nullish().transform((v) => (v ? v : null));

export const SalesChannelSchema = z
  .object({
    name: z.string().trim().toLowerCase().regex(/^[a-z0-9_-]{1,40}$/, 'letters, digits, _ and - only'),
    order_id: text(100),
  })
  .strict();

export const OrderItemSchema = z
  .object({
    seller_sku_code: text(100),
    quantity: z.number().int().positive().max(100_000),
    unit_price: z.number().min(0).max(10_000_000),
    sales_channel_order_item_id: optionalText(100),
  })
  .strict();

/** A device push token: FCM (`…:APA91b…`), APNs (hex) and Expo (`ExponentPushToken[…]`) fit; no spaces, markup or control characters. */
const PushToken = z
  .string()
  .trim()
  .min(8)
  .max(512)
  .regex(/^[A-Za-z0-9_:.[\]-]+$/, 'letters, digits and _ - : . [ ] only');

export const CustomerSchema = z
  .object({
    name: text(200),
    email: z.email().max(200).nullish().transform((v) => v ?? null),
    phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,20}$/, 'a phone number').nullish().transform((v) => v ?? null),
    push_token: PushToken.nullish()
      .transform((v) => v ?? null)
      .meta({ description: "The customer's device push token (FCM, APNs or Expo), 8-512 characters of letters, digits and _ - : . [ ]; the push notifications go to it" }),
  })
  .strict();

export const ShippingAddressSchema = z
  .object({
    line1: text(300),
    line2: optionalText(300),
    city: text(100),
    state: optionalText(100),
    country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code'),
    postal_code: optionalText(20),
    latitude: z.number().min(-90).max(90).nullish().transform((v) => v ?? null),
    longitude: z.number().min(-180).max(180).nullish().transform((v) => v ?? null),
  })
  .strict();

export const PaymentSchema = z
  .object({
    method: z.enum(['cod', 'prepaid']),
    status: z.enum(['pending', 'paid', 'refunded', 'failed']),
    currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code'),
    total: z.number().min(0).max(100_000_000),
  })
  .strict();

export const CreateOrderBody = z
  .object({
    order_id: z.string().trim().regex(/^[A-Za-z0-9_.:#/-]{1,100}$/, 'letters, digits and _ . : # / - only'),
    sales_channel: SalesChannelSchema.nullish().transform((v) => v ?? null),
    order_items: z.array(OrderItemSchema).min(1).max(500),
    customer: CustomerSchema,
    shipping_address: ShippingAddressSchema,
    payment: PaymentSchema,
    hub_code: z.string().trim().min(1).max(64).nullish().transform((v) => v ?? null),
  })
  .strict();
export type CreateOrderInput = z.output<typeof CreateOrderBody>;

/** Partial customer / address for edits: what is given replaces, what is absent stays. */
export const CustomerPatch = CustomerSchema.partial().refine((v) => Object.keys(v).length > 0, 'give at least one field');
export const AddressPatch = ShippingAddressSchema.partial().refine((v) => Object.keys(v).length > 0, 'give at least one field');

export const EditOrderBody = z.discriminatedUnion('edit_type', [
  z.object({ edit_type: z.literal('customer_details'), customer: CustomerPatch }).strict(),
  z.object({ edit_type: z.literal('shipping_address'), shipping_address: AddressPatch }).strict(),
  z.object({ edit_type: z.literal('order_items'), order_items: z.array(OrderItemSchema).min(1).max(500) }).strict(),
]);
export type EditOrderInput = z.output<typeof EditOrderBody>;

export const CancelBody = z.object({ reason: text(500) }).strict();

export const ListOrdersQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    hub_code: z.string().trim().min(1).max(64).optional(),
    sales_channel: z.string().trim().toLowerCase().min(1).max(40).optional(),
    created_from: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
    created_to: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
    q: z.string().trim().min(1).max(200).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    per_page: z.coerce.number().int().min(1).max(200).default(20),
  })
  .strict();

export const OrderParams = z.object({ seller_id: z.string().min(1), order_id: z.string().min(1).max(100) });

/** Messages on oms-create-order-queue (API.md, Queues). */
const envelope = { tenant_id: z.string().min(1), seller_id: z.string().min(1) };

export const CreateOrderMessage = z.object({
  event: z.literal('create_order'),
  ...envelope,
  order: CreateOrderBody.safeExtend({ sales_channel: SalesChannelSchema }),
});

export const UpdateOrderMessage = z
  .object({
    event: z.literal('update_order'),
    ...envelope,
    sales_channel: SalesChannelSchema,
    payment: PaymentSchema.partial().optional(),
    customer: CustomerPatch.optional(),
    shipping_address: AddressPatch.optional(),
  })
  .refine((m) => m.payment || m.customer || m.shipping_address, 'give payment, customer or shipping_address to change');

export const CancelOrderMessage = z.object({
  event: z.literal('cancel_order'),
  ...envelope,
  sales_channel: SalesChannelSchema,
  reason: z.string().trim().min(1).max(500).default('cancelled on the sales channel'),
});

export const ChannelMessage = z.discriminatedUnion('event', [CreateOrderMessage, UpdateOrderMessage, CancelOrderMessage]);
export type ChannelMessageInput = z.output<typeof ChannelMessage>;

export const HoldReasonSchema = z.enum(HOLD_REASONS);
