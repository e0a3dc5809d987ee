import { EVENT_TYPES, type OutboundEvent } from '../domain/events.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { Logger } from '../platform/logger.js';
import type { Telemetry } from '../platform/telemetry.js';
import type { NotificationChannel, NotificationChannelName } from './notification.adapters.js';
import type { NotificationRepository } from './notification.repository.js';

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

/** Sends each customer-facing stage on every channel the customer can be reached on, once per event. */
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

  async notifyFor(event: OutboundEvent, contact: CustomerContact): Promise<number> {
    const stage = customerStage(event);
    if (!stage || !event.order_id) return 0;
    const targets: [NotificationChannelName, string | null][] = [
      ['email', contact.email],
      ['sms', contact.phone],
    ];
    let sent = 0;
    const scope = tenantScope(event.tenant_id);
    for (const [name, to] of targets) {
      const channel = this.channels.get(name);
      if (!to || !channel) continue;
      const id = `${event.event_id}:${name}`;
      const fresh = await this.repo.insertOnce({
        id,
        tenant_id: event.tenant_id,
        seller_id: event.seller_id,
        order_id: event.order_id,
        event_id: event.event_id,
        stage,
        channel: name,
        recipient: to,
        template: stage,
        status: 'pending',
        error: null,
        created_at: new Date(),
        sent_at: null,
      });
      if (!fresh) continue;
      try {
        await channel.send({ to, template: stage, data: { order: event.data.order } });
        await this.repo.markSent(scope, id);
        sent += 1;
      } catch (err) {
        // A failed notification is recorded, not retried forever: the order goes on regardless.
        this.logger.warn({ err, channel: name, order_id: event.order_id }, 'customer notification failed');
        this.telemetry.noticeError(err, { channel: name, tenant_id: event.tenant_id, order_id: event.order_id });
        await this.repo.markFailed(scope, id, (err as Error).message ?? String(err));
      }
    }
    return sent;
  }
}
