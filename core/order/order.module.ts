import { SalesChannelClient } from '../../external-service/sales-channel/sales-channel.client.js';
import { EVENT_TYPES } from '../domain/events.js';
import { isBulkSource, orderSnapshot, type Order } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { NotificationService } from '../notification/notification.service.js';
import type { EffectService } from '../effects/effect.service.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { RuleBook } from '../rules/rule-book.js';
import type { TenantService } from '../tenant/tenant.service.js';
import { ChannelEvents } from './channel-events.js';
import { CHANNEL_SYNC_INDEXES, ChannelSyncRepository } from './channel-sync.repository.js';
import { ChannelSyncService } from './channel-sync.service.js';
import { IDEMPOTENCY_INDEXES, IdempotencyKeys } from './idempotency-keys.js';
import { registerOrderRoutes } from './order.controller.js';
import { OrderEventRelay } from './order-event.relay.js';
import { registerOrderHandlers } from './order.handler.js';
import { ORDER_INDEXES, OrderRepository } from './order.repository.js';
import { OrderService } from './order.service.js';
import { OrderUpdatesService } from './order-updates.service.js';
import { registerParkedEventRoutes } from './parked-event.controller.js';
import { PARKED_EVENT_INDEXES, ParkedEventRepository } from './parked-event.repository.js';

/** The routing queue of a new order: floods (bulk jobs, backfills) on their own lane (ADR 0016). */
export function routingLane(order: Pick<Order, 'source'>): 'hubRouting' | 'hubRoutingBulk' {
  return isBulkSource(order.source) ? 'hubRoutingBulk' : 'hubRouting';
}

/** The order domain: what other modules may use of it, and its declaration (DomainModule). */
export interface OrderModule extends DomainModule {
  repository: OrderRepository;
  service: OrderService;
  relay: OrderEventRelay;
  /** Other modules' events on the create-order queue (payment_update). */
  channelEvents: ChannelEvents;
  /** The consumer of every outbound event; other modules add theirs with `updates.onEvent`. */
  updates: OrderUpdatesService;
}

export function buildOrderModule(platform: Platform, deps: { tenants: TenantService; effects: EffectService; rules: RuleBook; notifications: NotificationService }): OrderModule {
  const { config, logger, metrics, telemetry, queues } = platform;
  const db = platform.mongo.db;
  const repository = new OrderRepository(db);
  const parkedEvents = new ParkedEventRepository(db);
  const relay = new OrderEventRelay(repository, platform.eventStream, { repo: parkedEvents, maxAttempts: config.events.max_publish_attempts }, logger, metrics);
  // A new pending order is routed: the follow-up rides on its created event, so it cannot be lost;
  // the lane comes from the stored origin, so a replay after a crash takes the same lane (ADR 0016).
  // The order rides along (when small), so routing need not read it again (docs/adr/0017).
  relay.onEvent(async (order, event) => {
    if (event.type !== EVENT_TYPES.orderCreated || order.status !== 'pending') return;
    const snapshot = orderSnapshot(order);
    const small = JSON.stringify(snapshot).length <= MAX_SNAPSHOT_CHARS;
    await queues.send(routingLane(order), { event: 'route_order', tenant_id: order.tenant_id, seller_id: order.seller_id, order_id: order.id, ...(small ? { order: snapshot } : {}) });
  });
  const service = new OrderService({ repo: repository, relay, sequences: platform.sequences, locker: platform.locker, logger, telemetry, metrics, rules: deps.rules, numberBlockSize: config.order.number_block_size });
  const keys = new IdempotencyKeys(db);
  const channelEvents = new ChannelEvents();
  const channelSync = new ChannelSyncService(new SalesChannelClient(config.sales_channel, logger), new ChannelSyncRepository(db), logger, telemetry);
  const updates = new OrderUpdatesService(repository, deps.effects, channelSync, platform.realtime, deps.notifications);

  const forEachTenant = (pass: (tenantId: string) => Promise<void>) => {
    const tenantsToSweep = sweepSchedule(() => deps.tenants.listTenantIds(), relay, config.order.outbox_full_sweep_every_ms);
    return async () => {
      for (const tenantId of await tenantsToSweep()) await pass(tenantId);
    };
  };
  const outboxSweeper = periodicTask(
    'order-outbox-sweeper',
    config.order.outbox_sweep_interval_ms,
    forEachTenant(async (tenantId) => {
      for (const order of await repository.withPendingOutbox(tenantScope(tenantId), 100)) {
        await relay.relay(order, config.order.outbox_sweep_min_age_ms).catch((err) => logger.warn({ err, order_id: order.id }, 'outbox sweep of order failed'));
      }
    }),
    logger,
  );
  const channelRetrier = periodicTask(
    'sales-channel-sync-retrier',
    Math.max(config.order.outbox_sweep_interval_ms, 250),
    forEachTenant(async (tenantId) => void (await channelSync.retryDue(tenantScope(tenantId)))),
    logger,
  );

  return {
    name: 'orders',
    repository,
    service,
    relay,
    channelEvents,
    updates,
    indexes: { ...ORDER_INDEXES, ...IDEMPOTENCY_INDEXES, ...CHANNEL_SYNC_INDEXES, ...PARKED_EVENT_INDEXES },
    routes: (groups) => {
      registerOrderRoutes(groups, service, keys);
      registerParkedEventRoutes(groups.internal, relay, parkedEvents);
    },
    handlers: (queues) => registerOrderHandlers(queues, service, updates, channelEvents),
    background: [outboxSweeper, channelRetrier],
  };
}

/** A route_order message carries the order up to this size (SQS takes 256 KiB; most orders are a few KiB). */
const MAX_SNAPSHOT_CHARS = 64_000;

/** In between full passes, tenants whose orders this process relayed within this long. */
const RECENT_MS = 120_000;

/**
 * Which tenants a sweep visits. Visiting every tenant each few hundred milliseconds costs one
 * query per tenant per pass, which grows with the platform, so most passes visit only the
 * tenants this process touched lately (the relay's record), and a full pass (the first one, and
 * then every `order.outbox_full_sweep_every_ms`) catches what another or an earlier, crashed process left behind.
 */
function sweepSchedule(allTenants: () => Promise<string[]>, relay: OrderEventRelay, fullEveryMs: number): () => Promise<string[]> {
  let lastFull = 0;
  return async () => {
    const now = Date.now();
    if (now - lastFull >= fullEveryMs) {
      lastFull = now;
      return allTenants();
    }
    return relay.tenantsTouchedSince(now - RECENT_MS);
  };
}
