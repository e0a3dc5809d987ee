import { LRUCache } from 'lru-cache';
import type { RealtimePublisher } from '../../external-service/pusher/pusher.client.js';
import type { OutboundEvent } from '../domain/events.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { EffectOutcome, EffectService } from '../effects/effect.service.js';
import { AppError } from '../domain/errors.js';
import { customerStage, type CustomerContact, type NotificationService } from '../notification/notification.service.js';
import type { ChannelSyncService } from './channel-sync.service.js';
import type { OrderRepository } from './order.repository.js';

/** The effects of an order event, by name (the effect ledger's keys: `{event_id}:{effect}`). */
const PUSH = 'pusher';
const CUSTOMER_CHANNELS = ['email', 'sms'] as const;

/**
 * What happens when an order event leaves the OMS: the seller's dashboard hears it (Pusher), the
 * customer is told at the stages they care about (an e-mail and an SMS, each its own effect, so
 * one failing does not resend the other), and the sales channel gets the new status. Push and
 * notifications run through the EffectService (claimed, recorded, retried, parked: never lost);
 * the channel sync parks what the channel could not take on its own.
 */
export class OrderUpdatesService {
  /** Contacts read for an event's notifications, kept briefly so its e-mail and SMS read the order once. */
  private readonly contacts = new LRUCache<string, CustomerContact>({ max: 10_000, ttl: 60_000 });

  constructor(
    private readonly orders: OrderRepository,
    private readonly effects: EffectService,
    private readonly channelSync: ChannelSyncService,
    realtime: RealtimePublisher,
    notifications: NotificationService,
  ) {
    effects.register(PUSH, (event) => realtime.publish(event.seller_id, event.event, event));
    for (const channel of CUSTOMER_CHANNELS) {
      effects.register(channel, async (event) => {
        const contact = await this.contactFor(event);
        if (contact) await notifications.deliver(event, channel, contact);
      });
    }
  }

  async handle(event: OutboundEvent): Promise<void> {
    const effects = [PUSH, ...(customerStage(event) ? CUSTOMER_CHANNELS : [])];
    const results = await Promise.allSettled([...effects.map((e) => this.effects.run(event, e)), this.channelSync.onEvent(event)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    // A claim someone else holds may be a dead holder's (killed mid-effect): this message is then
    // the only thing left that will ever perform it. Keep it until the lease has run out, when its
    // redelivery either finds the effect sent or takes the claim over (found by the chaos run).
    const held = effects.filter((_, i) => (results[i] as PromiseFulfilledResult<EffectOutcome>).value === 'held');
    if (held.length > 0) {
      throw new AppError('conflict', `effects ${held.join(', ')} of event ${event.event_id} are held by another worker`, { event_id: event.event_id, effects: held, retry_after_s: this.effects.leaseSeconds }, { retryable: true });
    }
  }

  private async contactFor(event: OutboundEvent): Promise<CustomerContact | null> {
    if (!event.order_id) return null;
    const cached = this.contacts.get(event.event_id);
    if (cached) return cached;
    const order = await this.orders.findInTenant(tenantScope(event.tenant_id), event.order_id);
    if (!order) return null;
    this.contacts.set(event.event_id, order.customer);
    return order.customer;
  }
}
