import Handlebars from 'handlebars';
import { AppError } from '../domain/errors.js';
import type { NotificationChannelName } from './notification.adapters.js';

/** The customer-facing stages (customerStage maps events onto them). */
export const CUSTOMER_STAGES = [
  'order_confirmed',
  'order_shipped',
  'shipment_in_transit',
  'out_for_delivery',
  'order_delivered',
  'delivery_failed',
  'order_cancelled',
  'return_received',
  'order_refunded',
] as const;
export type CustomerStage = (typeof CUSTOMER_STAGES)[number];

/** Subject (e-mail subject, push title; none for SMS) and body of one stage on one channel. */
export interface MessageTemplate {
  subject: string | null;
  body: string;
}

/** What a template can use: `{{customer.name}}`, `{{order.order_id}}`, `{{shipment.tracking_url}}`… */
export interface TemplateData {
  stage: CustomerStage;
  customer: { name: string };
  order: { id: string; order_id: string; order_number: number | null; status: string | null };
  /** Null until the order has a shipment; `tracking_url` only when it is an http(s) URL. */
  shipment: { courier: string | null; awb: string | null; tracking_url: string | null } | null;
  return: { id: string; return_number: number | null } | null;
  refund: { amount: number | null; currency: string | null } | null;
}

type Defaults = Record<CustomerStage, { headline: string; email: string; sms: string }>;

const ORDER = '{{order.order_id}}';
const TRACK_HTML = '{{#if shipment.tracking_url}}<p><a href="{{shipment.tracking_url}}">Track your parcel</a></p>{{/if}}';
const TRACK_TEXT = '{{#if shipment.tracking_url}} Track it: {{shipment.tracking_url}}{{/if}}';

/**
 * The built-in wording, used unless a tenant overrides a stage on a channel
 * (PUT /internal/api/v1/tenants/{tenant_id}/notification-templates/{stage}/{channel}).
 */
const DEFAULTS: Defaults = {
  order_confirmed: {
    headline: `Your order ${ORDER} is confirmed`,
    email: `<p>Hello {{customer.name}},</p><p>Thank you for your order <strong>${ORDER}</strong>. We are preparing it and will tell you when it ships.</p>`,
    sms: `Hi {{customer.name}}, your order ${ORDER} is confirmed. We will tell you when it ships.`,
  },
  order_shipped: {
    headline: `Your order ${ORDER} has shipped`,
    email: `<p>Hello {{customer.name}},</p><p>Your order <strong>${ORDER}</strong> is on its way{{#if shipment.courier}} with {{shipment.courier}}{{/if}}{{#if shipment.awb}} (waybill {{shipment.awb}}){{/if}}.</p>${TRACK_HTML}`,
    sms: `Your order ${ORDER} has shipped.${TRACK_TEXT}`,
  },
  shipment_in_transit: {
    headline: `Your order ${ORDER} is in transit`,
    email: `<p>Hello {{customer.name}},</p><p>Your order <strong>${ORDER}</strong> is in transit.</p>${TRACK_HTML}`,
    sms: `Your order ${ORDER} is in transit.${TRACK_TEXT}`,
  },
  out_for_delivery: {
    headline: `Your order ${ORDER} is out for delivery`,
    email: `<p>Hello {{customer.name}},</p><p>Your order <strong>${ORDER}</strong> is out for delivery today.</p>${TRACK_HTML}`,
    sms: `Your order ${ORDER} is out for delivery today.${TRACK_TEXT}`,
  },
  order_delivered: {
    headline: `Your order ${ORDER} was delivered`,
    email: `<p>Hello {{customer.name}},</p><p>Your order <strong>${ORDER}</strong> was delivered. Enjoy!</p>`,
    sms: `Your order ${ORDER} was delivered.`,
  },
  delivery_failed: {
    headline: `We could not deliver your order ${ORDER}`,
    email: `<p>Hello {{customer.name}},</p><p>The courier could not deliver your order <strong>${ORDER}</strong>. They will try again or contact you.</p>${TRACK_HTML}`,
    sms: `We could not deliver your order ${ORDER}; the courier will try again or contact you.`,
  },
  order_cancelled: {
    headline: `Your order ${ORDER} was cancelled`,
    email: `<p>Hello {{customer.name}},</p><p>Your order <strong>${ORDER}</strong> was cancelled. If you paid for it, the payment will be returned.</p>`,
    sms: `Your order ${ORDER} was cancelled.`,
  },
  return_received: {
    headline: `We received your return for order ${ORDER}`,
    email: `<p>Hello {{customer.name}},</p><p>We received the items you returned from order <strong>${ORDER}</strong>{{#if return.return_number}} (return {{return.return_number}}){{/if}} and are checking them.</p>`,
    sms: `We received your return for order ${ORDER}.`,
  },
  order_refunded: {
    headline: `Your refund for order ${ORDER}`,
    email: `<p>Hello {{customer.name}},</p><p>We refunded {{#if refund.amount}}{{refund.amount}} {{refund.currency}} {{/if}}for your order <strong>${ORDER}</strong>.</p>`,
    sms: `We refunded {{#if refund.amount}}{{refund.amount}} {{refund.currency}} {{/if}}for your order ${ORDER}.`,
  },
};

export function defaultTemplate(stage: CustomerStage, channel: NotificationChannelName): MessageTemplate {
  const d = DEFAULTS[stage];
  if (channel === 'email') return { subject: d.headline, body: d.email };
  if (channel === 'push') return { subject: d.headline, body: d.sms };
  return { subject: null, body: d.sms };
}

/**
 * Handlebars, with its own instance and no helpers beyond the built-in ones (`if`, `each`,
 * `with`, `unless`), so a tenant's template can only read the data it is given. E-mail bodies
 * are HTML, and every `{{value}}` in them is HTML-escaped; subjects, SMS and push are plain
 * text and not escaped (an `&` in a name stays an `&`). A tenant's `{{{triple}}}` would skip
 * escaping, so it is refused.
 */
const engine = Handlebars.create();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function compile(source: string, html: boolean): Handlebars.TemplateDelegate {
  const key = `${html ? 'h' : 't'}:${source}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = engine.compile(source, { noEscape: !html, strict: false, knownHelpersOnly: true });
    if (compiled.size > 5_000) compiled.clear();
    compiled.set(key, fn);
  }
  return fn;
}

export function render(template: MessageTemplate, channel: NotificationChannelName, data: TemplateData): { subject: string | null; body: string } {
  const opts = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };
  return {
    subject: template.subject === null ? null : compile(template.subject, false)(data, opts).replace(/\s+/g, ' ').trim(),
    body: compile(template.body, channel === 'email')(data, opts),
  };
}

/** A tenant's template must compile and must not bypass escaping; problems are a 400 with the field named. */
export function checkTemplate(template: MessageTemplate): void {
  const problems: { field: string; message: string }[] = [];
  for (const field of ['subject', 'body'] as const) {
    const source = template[field];
    if (source === null) continue;
    if (/\{\{\{|\{\{&/.test(source)) {
      problems.push({ field, message: 'unescaped output ({{{…}}} or {{&…}}) is not allowed' });
      continue;
    }
    try {
      engine.precompile(source, { knownHelpersOnly: true });
    } catch (err) {
      problems.push({ field, message: `not a valid template: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 300)}` });
    }
  }
  if (problems.length > 0) throw AppError.validation(problems, 'invalid notification template');
}
