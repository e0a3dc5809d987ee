import type { OutboundEvent } from '../domain/events.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { IdempotencyLedger } from '../platform/dynamo.js';
import type { RealtimePublisher } from '../../external-service/pusher/pusher.client.js';
import type { NotificationService } from '../notification/notification.service.js';
import type { ChannelSyncService } from './channel-sync.service.js';
import type { OrderRepository } from './order.repository.js';

/**
 * What happens when an order event leaves the OMS: the seller's dashboard hears it (Pusher), the
 * customer is told at the stages they care about, and the sales channel gets the new status.
 * Each effect is deduplicated by event_id on its own, so a redelivery redoes only what failed;
 * the channel sync never fails the message (it parks what the channel could not take).
 */
export class OrderUpdatesService {
  constructor(
    private readonly orders: OrderRepository,
    private readonly realtime: RealtimePublisher,
    private readonly ledger: IdempotencyLedger,
    private readonly notifications: NotificationService,
    private readonly channelSync: ChannelSyncService,
  ) {}

  async handle(event: OutboundEvent): Promise<void> {
    const results = await Promise.allSettled([this.publish(event), this.notify(event), this.channelSync.onEvent(event)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private publish(event: OutboundEvent): Promise<void> {
    return this.ledger.once(`order-updates:pusher:${event.event_id}`, () => this.realtime.publish(event.seller_id, event.event, event));
  }

  private async notify(event: OutboundEvent): Promise<void> {
    if (!event.order_id) return;
    const order = await this.orders.findInTenant(tenantScope(event.tenant_id), event.order_id);
    if (!order) return;
    await this.notifications.notifyFor(event, order.customer);
  }
}
