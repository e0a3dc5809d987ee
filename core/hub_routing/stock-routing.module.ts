import type { Platform } from '../../cmd/platform.js';
import type { RouteGroups } from '../../router/app.js';
import type { Order } from '../domain/order.js';
import type { HubService } from '../hub/hub.service.js';
import { registerInventoryRoutes } from '../inventory/inventory.controller.js';
import { LowStockNotifier } from '../inventory/low-stock.notifier.js';
import { StockCheck } from '../inventory/stock-check.js';
import { STOCK_INDEXES, StockRepository } from '../inventory/stock.repository.js';
import { StockService } from '../inventory/stock.service.js';
import { STOCK_TRANSFER_INDEXES, StockTransferRepository } from '../inventory/stock-transfer.repository.js';
import { StockTransferService } from '../inventory/stock-transfer.service.js';
import { tenantScope, type TenantScope } from '../domain/tenant-scope.js';
import { periodicTask, type PeriodicTask } from '../order/periodic-task.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { StockPort } from '../order/ports.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { TenantService } from '../tenant/tenant.service.js';
import type { ListenerRegistration } from '../workers/runtime/server.js';
import { approveOnHoldListener } from '../workers/listeners/approve-on-hold.listener.js';
import { hubRoutingListener } from '../workers/listeners/hub-routing.listener.js';
import { inventoryListener } from '../workers/listeners/inventory.listener.js';
import { HttpWmsClient } from '../../external-service/wms/wms.client.js';
import { ApproveOnHoldService } from './approve-on-hold.service.js';
import { HoldRules } from './hold-rules.js';
import { HubCapacity, type CapacityDifference } from './hub-capacity.js';
import { HUB_CAPACITY_INDEXES, HubCapacityRepository } from './hub-capacity.repository.js';
import { registerHubRoutingRoutes } from './hub-routing.controller.js';
import { HubRoutingService } from './hub-routing.service.js';
import { RoutingDecider } from './routing-decider.js';
import { RoutingInputs } from './routing-inputs.js';

/** Stock, routing and approve-on-hold (issue 4), as the container wires them. */
export interface StockRoutingModule {
  stock: StockService;
  /** What the order core releases on cancel: the order's stock holds and its slot of a hub's day. */
  stockPort: StockPort;
  capacity: HubCapacity;
  transfers: StockTransferService;
  routing: HubRoutingService;
  holdRules: HoldRules;
  approveOnHold: ApproveOnHoldService;
  check: StockCheck;
  /** check-stock's part for hub days: slots no order at that hub claims (freed with repair). */
  checkCapacity(scope: TenantScope, options: { repair: boolean }): Promise<CapacityDifference[]>;
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups): void;
  listeners(): ListenerRegistration[];
  background(): PeriodicTask[];
}

export interface StockRoutingDeps {
  tenants: TenantService;
  hubs: HubService;
  orders: OrderRepository;
  /** The order outbox relay, so routing's events leave at once. */
  relay?: (order: Order) => Promise<void>;
}

export function buildStockRoutingModule(platform: Platform, deps: StockRoutingDeps): StockRoutingModule {
  const { config, logger, metrics, queues, locker } = platform;
  const db = platform.mongo.db;
  const stockRepo = new StockRepository(db);
  const stock = new StockService(stockRepo, deps.hubs, deps.tenants, new LowStockNotifier(queues, logger), async (scope) => {
    // Arrived stock may release held orders; the sweep is idempotent, so a duplicate trigger costs only a read.
    await queues
      .send('approveOnHold', { event: 'approve_on_hold', tenant_id: scope.tenantId, seller_id: scope.sellerId })
      .catch((err) => logger.warn({ err, tenant_id: scope.tenantId }, 'approve-on-hold trigger not sent'));
  });
  const transfers = new StockTransferService(new StockTransferRepository(db), stockRepo, stock, deps.hubs, logger);
  const transferRecovery = periodicTask(
    'stock-transfer-recovery',
    config.inventory.transfer_recovery_interval_ms,
    async () => {
      for (const tenantId of await deps.tenants.listTenantIds()) await transfers.recoverPending(tenantScope(tenantId), config.inventory.transfer_recovery_grace_ms);
    },
    logger,
  );
  const capacity = new HubCapacity(new HubCapacityRepository(db), deps.hubs, config.hub.capacity_check);
  const stockPort: StockPort = {
    async releaseForOrder(scope, order) {
      await stock.releaseForOrder(scope, order);
      await capacity.keepOnly(scope, order.id, null);
    },
    consumeForOrder: (scope, order) => stock.consumeForOrder(scope, order),
    restock: (scope, hubCode, lines, key) => stock.restock(scope, hubCode, lines, key),
  };
  const inputs = new RoutingInputs(deps.hubs, stock, capacity);
  const wms = new HttpWmsClient(config.wms, logger);
  const decider = new RoutingDecider(deps.orders, stock, capacity, inputs, deps.tenants, wms, metrics, logger);
  const routing = new HubRoutingService(deps.orders, decider, inputs, stock, capacity, deps.hubs, deps.tenants, locker, deps.relay);
  const approveOnHold = new ApproveOnHoldService(deps.orders, routing, logger);
  return {
    stock,
    stockPort,
    capacity,
    transfers,
    routing,
    holdRules: new HoldRules(deps.tenants),
    approveOnHold,
    check: new StockCheck(stockRepo, deps.orders),
    checkCapacity: (scope, options) => capacity.reconcile(scope, (id) => deps.orders.findInTenant(scope, id), options),
    indexes: { ...STOCK_INDEXES, ...STOCK_TRANSFER_INDEXES, ...HUB_CAPACITY_INDEXES },
    registerRoutes(groups) {
      registerInventoryRoutes(groups, stock, transfers);
      registerHubRoutingRoutes(groups, routing);
    },
    listeners: () => (config.hub.routing_enabled ? [hubRoutingListener(routing)] : []).concat([inventoryListener(stock), approveOnHoldListener(approveOnHold)]),
    background: () => [transferRecovery],
  };
}
