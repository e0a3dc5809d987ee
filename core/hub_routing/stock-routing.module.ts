import { HttpWmsClient } from '../../external-service/wms/wms.client.js';
import { EVENT_TYPES } from '../domain/events.js';
import { sellerScope, tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { registerInventoryHandlers } from '../inventory/inventory.handler.js';
import { registerInventoryRoutes } from '../inventory/inventory.controller.js';
import { LowStockNotifier } from '../inventory/low-stock.notifier.js';
import { StockCheck } from '../inventory/stock-check.js';
import type { StockPort } from '../inventory/stock.port.js';
import { STOCK_INDEXES, StockRepository } from '../inventory/stock.repository.js';
import { StockService } from '../inventory/stock.service.js';
import { STOCK_TRANSFER_INDEXES, StockTransferRepository } from '../inventory/stock-transfer.repository.js';
import { StockTransferService } from '../inventory/stock-transfer.service.js';
import type { OrderModule } from '../order/order.module.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { RuleBook } from '../rules/rule-book.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { ApproveOnHoldService } from './approve-on-hold.service.js';
import { CancelledHoldsReaper } from './cancelled-holds.reaper.js';
import { HoldTriggers, holdSweepTask } from './hold-triggers.js';
import { HubCapacity, type CapacityDifference } from './hub-capacity.js';
import { HUB_CAPACITY_INDEXES, HubCapacityRepository } from './hub-capacity.repository.js';
import { HubReservations } from './hub-reservation.js';
import { registerHubRoutingRoutes } from './hub-routing.controller.js';
import { registerHubRoutingHandlers } from './hub-routing.handler.js';
import { HubRoutingService, heldByRule } from './hub-routing.service.js';
import { RoutingDecider } from './routing-decider.js';
import { RoutingInputs } from './routing-inputs.js';

/** Stock, transfers, hub capacity, routing, approval and approve-on-hold. */
export interface StockRoutingModule extends DomainModule {
  stock: StockService;
  /** What fulfilment and returns need of stock (consume on ship, restock, release). */
  stockPort: StockPort;
  capacity: HubCapacity;
  transfers: StockTransferService;
  routing: HubRoutingService;
  approveOnHold: ApproveOnHoldService;
  /** Re-evaluation of held orders on the approve-on-hold queue (payments, releases, hubs, sweeps). */
  holds: HoldTriggers;
  /** The periodic re-evaluation of every held order (and at each UTC day change: hub capacity resets). */
  holdSweep: PeriodicTask;
  /** Releases what cancelled orders still hold (a routing that died after reserving), and its periodic task. */
  reaper: CancelledHoldsReaper;
  cancelledHoldsSweep: PeriodicTask;
  check: StockCheck;
  /** check-stock's part for hub days: slots no order at that hub claims (freed with repair). */
  checkCapacity(scope: TenantScope, options: { repair: boolean }): Promise<CapacityDifference[]>;
}

export function buildStockRoutingModule(platform: Platform, deps: { tenancy: TenancyModule; orders: OrderModule; rules: RuleBook }): StockRoutingModule {
  const { config, logger, metrics, queues, locker } = platform;
  const { tenants, hubs } = deps.tenancy;
  const orders = deps.orders.repository;
  const db = platform.mongo.db;
  const stockRepo = new StockRepository(db);
  const holds = new HoldTriggers(orders, queues, logger);
  const stock = new StockService(stockRepo, hubs, tenants, new LowStockNotifier(platform.eventStream, logger), async (scope) => {
    // Arrived stock may release held orders; the sweep is idempotent, so a duplicate trigger costs only a read.
    await holds.quietly(() => holds.seller(scope, 'stock_added'), { tenant_id: scope.tenantId });
  });
  const transfers = new StockTransferService(new StockTransferRepository(db), stockRepo, stock, hubs, logger);
  const transferRecovery = periodicTask(
    'stock-transfer-recovery',
    config.inventory.transfer_recovery_interval_ms,
    async () => {
      for (const tenantId of await tenants.listTenantIds()) await transfers.recoverPending(tenantScope(tenantId), config.inventory.transfer_recovery_grace_ms);
    },
    logger,
  );
  const capacity = new HubCapacity(new HubCapacityRepository(db), hubs, config.hub.capacity_check);
  const stockPort: StockPort = {
    async releaseForOrder(scope, order) {
      await stock.releaseForOrder(scope, order);
      await capacity.keepOnly(scope, order.id, null);
    },
    consumeForOrder: (scope, order, hubCode) => stock.consumeForOrder(scope, order, hubCode),
    async restock(scope, hubCode, lines, key) {
      // Units back at a hub (RTO, a received return) may serve held orders of any seller of the tenant.
      const applied = await stock.restock(scope, hubCode, lines, key);
      if (applied > 0) await holds.quietly(() => holds.tenant(scope, 'stock_released'), { tenant_id: scope.tenantId, key });
      return applied;
    },
  };
  // A cancelled order gives back its stock and its slot of the day when its move is relayed (crash-safe, idempotent);
  // what it held may clear other orders' holds, so they are re-evaluated (a failed trigger fails the follow-up: the relay retries it).
  deps.orders.relay.onEvent(async (order, event) => {
    if (event.type !== EVENT_TYPES.orderStatusChanged || event.payload.to !== 'cancelled') return;
    const scope = tenantScope(order.tenant_id);
    await stockPort.releaseForOrder(scope, order);
    if (order.reservation) await holds.tenant(scope, 'stock_released');
  });
  hubs.onCreated((scope) => holds.quietly(() => holds.tenant(scope, 'hub_added'), { tenant_id: scope.tenantId }));
  const holdSweep = holdSweepTask(config.hub.hold_sweep_interval_ms, () => tenants.listTenantIds(), holds, logger);
  const reaper = new CancelledHoldsReaper({ stockRepo, stock, capacity, orders, logger, released: async (scope) => void (await holds.tenant(scope, 'stock_released')) });
  const cancelledHoldsSweep = periodicTask(
    'cancelled-holds-sweep',
    config.hub.cancelled_holds_sweep_interval_ms,
    async () => {
      for (const tenantId of await tenants.listTenantIds()) await reaper.reap(tenantScope(tenantId));
    },
    logger,
  );
  const inputs = new RoutingInputs(hubs, stock, capacity);
  const reservations = new HubReservations(stock, capacity);
  const decider = new RoutingDecider(orders, stock, capacity, reservations, inputs, tenants, deps.rules, new HttpWmsClient(config.wms, logger), metrics, logger);
  const relay = deps.orders.relay;
  const routing = new HubRoutingService(orders, decider, inputs, stock, capacity, reservations, hubs, tenants, deps.rules, locker, (order) => relay.relayQuietly(order));
  const approveOnHold = new ApproveOnHoldService(orders, routing, logger);
  // An edit may unmatch the rule that holds the order: if that rule lets go by itself, routing
  // re-evaluates the order (riding on the updated event, so a crash cannot lose it).
  relay.onEvent(async (order, event) => {
    if (event.type !== EVENT_TYPES.orderUpdated || !heldByRule(order)?.release_when_unmatched) return;
    await holds.seller(sellerScope(order.tenant_id, order.seller_id), 'rule_unmatched', order.id);
  });
  return {
    name: 'stock-routing',
    stock,
    stockPort,
    capacity,
    transfers,
    routing,
    approveOnHold,
    holds,
    holdSweep,
    reaper,
    cancelledHoldsSweep,
    check: new StockCheck(stockRepo, orders),
    checkCapacity: (scope, options) => capacity.reconcile(scope, (id) => orders.findInTenant(scope, id), options),
    indexes: { ...STOCK_INDEXES, ...STOCK_TRANSFER_INDEXES, ...HUB_CAPACITY_INDEXES },
    routes(groups) {
      registerInventoryRoutes(groups, stock, transfers);
      registerHubRoutingRoutes(groups, routing, holds, orders);
    },
    handlers(queues) {
      registerHubRoutingHandlers(queues, routing, approveOnHold, { routing: config.hub.routing_enabled });
      registerInventoryHandlers(queues, stock);
    },
    background: [transferRecovery, holdSweep, cancelledHoldsSweep],
  };
}
