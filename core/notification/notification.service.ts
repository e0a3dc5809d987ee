import { EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Telemetry } from '../platform/telemetry.js';
import type { NotificationChannel, NotificationChannelName } from './notification.adapters.js';
import type { NotificationRecord, NotificationRepository } from './notification.repository.js';

/** Customer contact as the event consumer knows it (read from the order). */
export interface CustomerContact {
  email: string | null;
  phone: string | null;
}

/**
 * The stages a customer hears about, and the template for each. Internal moves (holds,
 * picking, packing) are not customer-facing.
 */
export function customerStage(event: OutboundEvent): string | null {
  if (event.event === EVENT_TYPES.orderCreated) return 'order_confirmed';
  // Courier scans that do not move the order (in transit) still reach the customer.
  if (event.event === EVENT_TYPES.shipmentUpdated) {
    return (event.data.tracking as { status?: string } | undefined)?.status === 'IN_TRANSIT' ? 'shipment_in_transit' : null;
  }
  if (event.event !== EVENT_TYPES.orderStatusChanged) return null;
  const stages: Record<string, string> = {
    shipped: 'order_shipped',
    delivered: 'order_delivered',
    delivery_failed: 'delivery_failed',
    cancelled: 'order_cancelled',
  };
  return stages[String(event.data.to)] ?? null;
}

/**
 * Sends one customer-facing stage on one channel and records the outcome on the notification
 * (`sent`, or `failed` with its reason; a later retry overwrites it). Whether to send at all,
 * and retries, are the EffectService's: this is the effect itself.
 */
export class NotificationService {
  private readonly channels: Map<NotificationChannelName, NotificationChannel>;

  constructor(
    private readonly repo: NotificationRepository,
    channels: NotificationChannel[],
    private readonly logger: Logger,
    private readonly telemetry: Telemetry,
  ) {
    this.channels = new Map(channels.map((c) => [c.name, c]));
  }

  /** Does nothing for an event no customer hears about, or a channel the customer cannot be reached on. */
  async deliver(event: OutboundEvent, name: NotificationChannelName, contact: CustomerContact): Promise<void> {
    const stage = customerStage(event);
    const to = name === 'email' ? contact.email : name === 'sms' ? contact.phone : null;
    const channel = this.channels.get(name);
    if (!stage || !event.order_id || !to || !channel) return;
    const record: NotificationRecord = {
      id: `${event.event_id}:${name}`,
      tenant_id: event.tenant_id,
      seller_id: event.seller_id,
      order_id: event.order_id,
      event_id: event.event_id,
      stage,
      channel: name,
      recipient: to,
      template: stage,
      status: 'sent',
      error: null,
      created_at: new Date(),
      sent_at: null,
    };
    const scope = tenantScope(event.tenant_id);
    try {
      await channel.send({ to, template: stage, data: { order: event.data.order } });
    } catch (err) {
      this.logger.warn({ err, channel: name, order_id: event.order_id }, 'customer notification failed');
      this.telemetry.noticeError(err, { channel: name, tenant_id: event.tenant_id, order_id: event.order_id });
      await this.repo.record(scope, { ...record, status: 'failed', error: (err as Error).message ?? String(err) });
      throw err;
    }
    await this.repo.record(scope, { ...record, sent_at: new Date() });
  }
}
