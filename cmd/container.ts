import { buildAggregatorModule, type AggregatorModule } from '../core/aggregator/aggregator.module.js';
import { buildEffectsModule, type EffectsModule } from '../core/effects/effects.module.js';
import { buildNotificationModule, type NotificationModule } from '../core/notification/notification.module.js';
import { buildBulkModule, type BulkModule } from '../core/bulk/bulk.module.js';
import { buildFulfillmentModule, type FulfillmentModule } from '../core/fulfillment/fulfillment.module.js';
import { buildStockRoutingModule, type StockRoutingModule } from '../core/hub_routing/stock-routing.module.js';
import { buildOrderModule, type OrderModule } from '../core/order/order.module.js';
import { buildPaymentModule, type PaymentModule } from '../core/payment/payment.module.js';
import type { DomainModule } from '../core/platform/module.js';
import { ensureIndexes } from '../core/platform/mongo.js';
import type { Platform } from '../core/platform/platform.js';
import { buildRulesModule, type RulesModule } from '../core/rules/rules.module.js';
import { buildTenancyModule, type TenancyModule } from '../core/tenant/tenant.module.js';
import { buildOperationsModule, type OperationsModule } from '../core/operations/operations.module.js';
import { buildRealtimeModule } from '../core/realtime/realtime.module.js';
import { buildCourierModule, type CourierModule } from '../core/courier/courier.module.js';
import { buildSlaModule, type SlaModule } from '../core/sla/sla.module.js';
import { buildWebhookModule, type WebhookModule } from '../core/webhook/webhook.module.js';

/** The modules of one process, by name, for the entry point, the tests and the operator commands. */
export interface Container {
  platform: Platform;
  tenancy: TenancyModule;
  effects: EffectsModule;
  notifications: NotificationModule;
  rules: RulesModule;
  orders: OrderModule;
  stockRouting: StockRoutingModule;
  payments: PaymentModule;
  fulfilment: FulfillmentModule;
  bulk: BulkModule;
  aggregator: AggregatorModule;
  operations: OperationsModule;
  /** Courier booking and SLA clocks (issue 16). */
  courier: CourierModule;
  sla: SlaModule;
  webhooks: WebhookModule;
  /** Every module, in the order they were built (each after those it depends on). */
  modules: DomainModule[];
}

/**
 * Assembles the domain modules in dependency order (STYLE.md 8: wiring by hand, in one place).
 * A new module is one line here; what it declares (indexes, routes, queue handlers, background
 * tasks) is picked up from its DomainModule by cmd/oms.ts.
 */
export async function buildContainer(platform: Platform): Promise<Container> {
  const tenancy = await buildTenancyModule(platform);
  const rules = buildRulesModule(platform, { tenancy });
  const effects = buildEffectsModule(platform, { tenancy });
  const notifications = buildNotificationModule(platform, { tenancy });
  const orders = buildOrderModule(platform, { tenants: tenancy.tenants, effects: effects.effects, rules: rules.book, notifications: notifications.service });
  const stockRouting = buildStockRoutingModule(platform, { tenancy, orders, rules: rules.book });
  const payments = buildPaymentModule(platform, { tenancy, orders, stock: stockRouting });
  const fulfilment = buildFulfillmentModule(platform, { tenancy, orders, stock: stockRouting, payments });
  const bulk = buildBulkModule(platform, { orders, routing: stockRouting.routing });
  const aggregator = buildAggregatorModule(platform, { orders });
  const operations = buildOperationsModule(platform);
  const realtime = buildRealtimeModule(platform, { tenancy });
  // issue 16: courier booking (after fulfilment: it attaches shipments) and SLA clocks
  const courier = buildCourierModule(platform, { tenancy, orders, fulfilment });
  const sla = buildSlaModule(platform, { tenancy, orders });
  const webhooks = buildWebhookModule(platform, { tenancy, orders });

  const modules: DomainModule[] = [tenancy, rules, effects, notifications, orders, stockRouting, payments, fulfilment, bulk, aggregator, operations, realtime, courier, sla, webhooks];
  await ensureIndexes(platform.mongo.db, Object.assign({}, ...modules.map((m) => m.indexes ?? {})), { multikeyIndexes: platform.mongo.multikeyIndexes });
  return { platform, tenancy, rules, effects, notifications, orders, stockRouting, payments, fulfilment, bulk, aggregator, operations, courier, sla, webhooks, modules };
}
