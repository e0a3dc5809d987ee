import { LRUCache } from 'lru-cache';
import type { RealtimePublisher } from '../../external-service/pusher/pusher.client.js';
import type { OutboundEvent } from '../domain/events.js';
import { orderEventState } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { EffectService } from '../effects/effect.service.js';
import { customerStage, type CustomerContact, type NotificationService } from '../notification/notification.service.js';
import type { ChannelSyncService } from './channel-sync.service.js';
import type { OrderRepository } from './order.repository.js';

/** The effects of an order event, by name (the effect ledger's keys: `{event_id}:{effect}`). */
const REALTIME = 'pusher';
const CUSTOMER_CHANNELS = ['email', 'sms', 'push'] as const;
export const ORDER_EVENT_EFFECTS: readonly string[] = [REALTIME, ...CUSTOMER_CHANNELS];

/**
 * What happens when an order event leaves the OMS: the seller's dashboard hears it (Pusher), the
 * customer is told at the stages they care about (an e-mail, an SMS and a push to their device,
 * each its own effect, so one failing does not resend the others; a channel the order has no
 * address for sends nothing), and the sales channel gets the new status. Pusher and
 * notifications run through the EffectService (claimed, recorded, retried, parked: never lost);
 * the channel sync parks what the channel could not take on its own.
 */
export class OrderUpdatesService {
  /**
   * Contacts read for an event's notifications, kept briefly so its e-mail, SMS and push read the
   * order once. The read itself is kept (not its result): the effects run at the same time.
   */
  private readonly contacts = new LRUCache<string, Promise<CustomerContact | null>>({ max: 10_000, ttl: 60_000 });
  private readonly listeners: ((event: OutboundEvent) => Promise<unknown>)[] = [];

  constructor(
    private readonly orders: OrderRepository,
    private readonly effects: EffectService,
    private readonly channelSync: ChannelSyncService,
    realtime: RealtimePublisher,
    notifications: NotificationService,
  ) {
    effects.register(REALTIME, (event) => realtime.publish(event.seller_id, event.event, event));
    for (const channel of CUSTOMER_CHANNELS) {
      effects.register(channel, async (event) => {
        const contact = await this.contactFor(event);
        if (contact) await notifications.deliver(event, channel, contact);
      });
    }
  }

  /** Other modules' consumers of every event (webhooks: record deliveries); idempotent by event_id, as redeliveries run them again. */
  onEvent(listener: (event: OutboundEvent) => Promise<unknown>): void {
    this.listeners.push(listener);
  }

  async handle(event: OutboundEvent): Promise<void> {
    const effects = [REALTIME, ...(customerStage(event) ? CUSTOMER_CHANNELS : [])];
    const results = await Promise.allSettled([this.effects.runAll(event, effects), this.channelSync.onEvent(event), ...this.listeners.map((l) => l(event))]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private contactFor(event: OutboundEvent): Promise<CustomerContact | null> {
    const orderId = event.order_id;
    if (!orderId) return Promise.resolve(null);
    const cached = this.contacts.get(event.event_id);
    if (cached) return cached;
    const read = this.orders
      .findInTenant(tenantScope(event.tenant_id), orderId)
      .then((order): CustomerContact | null => (order ? { ...order.customer, order: orderEventState(order) } : null));
    this.contacts.set(event.event_id, read);
    // A failed read is not kept: the retry reads again.
    read.catch(() => this.contacts.delete(event.event_id));
    return read;
  }
}
