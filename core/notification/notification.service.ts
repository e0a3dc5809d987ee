import { EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Telemetry } from '../platform/telemetry.js';
import { maskToken, type NotificationChannel, type NotificationChannelName } from './notification.adapters.js';
import type { NotificationTemplateService } from './notification-template.service.js';
import type { NotificationRecord, NotificationRepository } from './notification.repository.js';
import { defaultTemplate, render, type CustomerStage, type TemplateData } from './notification.templates.js';

/** Customer contact as the event consumer knows it (read from the order). */
export interface CustomerContact {
  name?: string;
  email: string | null;
  phone: string | null;
  /** The device push token; absent or null: no push. */
  push_token?: string | null;
  /** The order's current event state (orderEventState): fills in what an event does not carry itself. */
  order?: Record<string, unknown>;
}

/** An event of the payments module, known by name so its stage works the day it is emitted. */
const PAYMENT_REFUNDED = 'payment.refunded.v1';

const STATUS_STAGES: Partial<Record<string, CustomerStage>> = {
  shipped: 'order_shipped',
  delivered: 'order_delivered',
  delivery_failed: 'delivery_failed',
  cancelled: 'order_cancelled',
};

/**
 * The stage a customer hears about for an event, or null. Internal moves (holds, picking,
 * packing) are not customer-facing. Courier scans that do not move the order (IN_TRANSIT,
 * OUT_FOR_DELIVERY on the courier webhook) still reach the customer.
 */
export function customerStage(event: OutboundEvent): CustomerStage | null {
  switch (event.event) {
    case EVENT_TYPES.orderCreated:
      return 'order_confirmed';
    case EVENT_TYPES.orderStatusChanged:
      return STATUS_STAGES[String(event.data.to)] ?? null;
    case EVENT_TYPES.shipmentUpdated: {
      const scan = (event.data.tracking as { status?: string } | undefined)?.status;
      if (scan === 'IN_TRANSIT') return 'shipment_in_transit';
      if (scan === 'OUT_FOR_DELIVERY') return 'out_for_delivery';
      return null;
    }
    case EVENT_TYPES.returnReceived:
      return 'return_received';
    case PAYMENT_REFUNDED:
      return 'order_refunded';
    default:
      return null;
  }
}

/**
 * Sends one customer-facing stage on one channel, in the tenant's wording (or the default), and
 * records the outcome on the notification (`sent`, or `failed` with its reason; a later retry
 * overwrites it, and `attempts` counts them). Whether to send at all, and retries, are the
 * EffectService's (keyed `{event_id}:{channel}`): this is the effect itself.
 */
export class NotificationService {
  private readonly channels: Map<NotificationChannelName, NotificationChannel>;

  constructor(
    private readonly repo: NotificationRepository,
    private readonly templates: Pick<NotificationTemplateService, 'override'>,
    channels: NotificationChannel[],
    private readonly logger: Logger,
    private readonly telemetry: Telemetry,
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
  }

  /** Does nothing for an event no customer hears about, or a channel the customer cannot be reached on. */
  async deliver(event: OutboundEvent, name: NotificationChannelName, contact: CustomerContact): Promise<void> {
    const stage = customerStage(event);
    const to = recipientOf(name, contact);
    const channel = this.channels.get(name);
    if (!stage || !event.order_id || !to || !channel) return;
    const scope = tenantScope(event.tenant_id);
    const override = await this.templates.override(scope, stage, name);
    const { subject, body } = render(override ?? defaultTemplate(stage, name), name, templateData(stage, event, contact));
    const key = `${event.event_id}:${name}`;
    const record: NotificationRecord = {
      id: key,
      tenant_id: event.tenant_id,
      seller_id: event.seller_id,
      order_id: event.order_id,
      event_id: event.event_id,
      stage,
      channel: name,
      recipient: name === 'push' ? maskToken(to) : to,
      template: override ? 'tenant' : 'default',
      subject,
      status: 'sent',
      error: null,
      created_at: new Date(),
      sent_at: null,
    };
    try {
      await channel.send({ to, subject, body, key, tenant_id: event.tenant_id, order_id: event.order_id, stage });
    } catch (err) {
      this.logger.warn({ err, channel: name, order_id: event.order_id, stage }, 'customer notification failed');
      this.telemetry.noticeError(err, { channel: name, tenant_id: event.tenant_id, order_id: event.order_id });
      await this.repo.record(scope, { ...record, status: 'failed', error: (err as Error).message ?? String(err) });
      throw err;
    }
    await this.repo.record(scope, { ...record, sent_at: new Date() });
  }
}

/** The customer's address on a channel; null (no e-mail, phone or device token) means nothing is sent, and nothing recorded. */
function recipientOf(name: NotificationChannelName, contact: CustomerContact): string | null {
  if (name === 'email') return contact.email;
  if (name === 'sms') return contact.phone;
  return contact.push_token ?? null;
}

/** What templates see: the order as of the event (or as it is now), its shipment, return or refund. */
export function templateData(stage: CustomerStage, event: OutboundEvent, contact: CustomerContact): TemplateData {
  const order = { ...(contact.order ?? {}), ...((event.data.order as Record<string, unknown> | undefined) ?? {}) };
  const shipment = ((event.data.shipment as Record<string, unknown> | undefined) ?? (order.shipment as Record<string, unknown> | null | undefined) ?? null) as {
    courier?: string | null;
    awb?: string | null;
    tracking_url?: string | null;
  } | null;
  const ret = event.data.return as { id?: string; return_number?: number } | undefined;
  // payment.refunded.v1 names the amount on its payment_event and the currency on the payment after it.
  const paid = event.data.payment_event as { amount?: number | null } | undefined;
  const currency = (event.data.payment as { currency?: string } | undefined)?.currency;
  const refund = (event.data.refund ?? (paid ? { amount: paid.amount ?? undefined, currency } : undefined)) as { amount?: number; currency?: string } | undefined;
  return {
    stage,
    customer: { name: contact.name ?? '' },
    order: {
      id: event.order_id ?? String(order.id ?? ''),
      order_id: String(order.order_id ?? event.order_id ?? ''),
      order_number: typeof order.order_number === 'number' ? order.order_number : null,
      status: typeof order.status === 'string' ? order.status : null,
    },
    shipment: shipment && { courier: shipment.courier ?? null, awb: shipment.awb ?? null, tracking_url: httpUrl(shipment.tracking_url) },
    return: ret?.id ? { id: ret.id, return_number: ret.return_number ?? null } : null,
    refund: refund ? { amount: typeof refund.amount === 'number' ? refund.amount : null, currency: refund.currency ?? null } : null,
  };
}

/** Only http(s) links reach a message: a `javascript:` tracking URL would survive HTML escaping. */
function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
