import type { Platform } from '../../cmd/platform.js';
import type { RouteGroups } from '../../router/app.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { ListenerRegistration } from '../workers/runtime/server.js';
import { createOrderHandler } from '../workers/handlers/create-order.handler.js';
import { orderUpdatesHandler } from '../workers/handlers/order-updates.handler.js';
import { loggedChannels } from '../notification/notification.adapters.js';
import { NOTIFICATION_INDEXES, NotificationRepository } from '../notification/notification.repository.js';
import { NotificationService } from '../notification/notification.service.js';
import { SalesChannelClient } from '../../external-service/sales-channel/sales-channel.client.js';
import { CHANNEL_SYNC_INDEXES, ChannelSyncRepository } from './channel-sync.repository.js';
import { ChannelSyncService } from './channel-sync.service.js';
import { IDEMPOTENCY_INDEXES, IdempotencyKeys } from './idempotency-keys.js';
import { LatePorts } from './late-ports.js';
import { registerOrderRoutes } from './order.controller.js';
import { OrderEventRelay } from './order-event.relay.js';
import { ORDER_INDEXES, OrderRepository } from './order.repository.js';
import { OrderService } from './order.service.js';
import { OrderUpdatesService } from './order-updates.service.js';
import { periodicTask, type PeriodicTask } from './periodic-task.js';

/** Everything of the order domain that the container wires (cmd/container.ts). */
export interface OrderModule {
  repository: OrderRepository;
  service: OrderService;
  relay: OrderEventRelay;
  /** Bind the stock & routing implementation here once it is built: `orders.ports.bind({ stock, routing })`. */
  ports: LatePorts;
  channelSync: ChannelSyncService;
  notifications: NotificationRepository;
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups): void;
  listeners(): ListenerRegistration[];
  background(): PeriodicTask[];
}

export function buildOrderModule(platform: Platform, tenants: TenantService): OrderModule {
  const { config, logger, metrics, telemetry } = platform;
  const db = platform.mongo.db;
  const ports = new LatePorts();
  const repository = new OrderRepository(db);
  const relay = new OrderEventRelay(repository, platform.queues, ports, logger, metrics);
  const service = new OrderService({
    repo: repository,
    relay,
    sequences: platform.sequences,
    locker: platform.locker,
    stock: ports,
    routing: ports,
    logger,
    telemetry,
    metrics,
  });
  const keys = new IdempotencyKeys(db);
  const notificationRepo = new NotificationRepository(db);
  const notifications = new NotificationService(notificationRepo, loggedChannels(logger), logger, telemetry);
  const channelSync = new ChannelSyncService(new SalesChannelClient(config.sales_channel, logger), new ChannelSyncRepository(db), logger, telemetry);
  const updates = new OrderUpdatesService(repository, platform.realtime, platform.ledger, notifications, channelSync);

  const forEachTenant = (pass: (tenantId: string) => Promise<void>) => {
    const tenantsToSweep = sweepSchedule(() => tenants.listTenantIds(), relay, config.order.outbox_full_sweep_every_ms);
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
    repository,
    service,
    relay,
    ports,
    channelSync,
    notifications: notificationRepo,
    indexes: { ...ORDER_INDEXES, ...IDEMPOTENCY_INDEXES, ...NOTIFICATION_INDEXES, ...CHANNEL_SYNC_INDEXES },
    registerRoutes: (groups) => registerOrderRoutes(groups, service, keys),
    listeners: () => [
      { queue: 'createOrder', handler: createOrderHandler(service, tenants) },
      { queue: 'orderUpdates', handler: orderUpdatesHandler(updates) },
    ],
    background: () => [outboxSweeper, channelRetrier],
  };
}

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
