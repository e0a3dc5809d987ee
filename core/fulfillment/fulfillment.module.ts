import type { Order } from '../domain/order.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { StockRoutingModule } from '../hub_routing/stock-routing.module.js';
import { registerInvoiceRoutes } from '../invoice/invoice.controller.js';
import { INVOICE_INDEXES, InvoiceRepository } from '../invoice/invoice.repository.js';
import { InvoiceService } from '../invoice/invoice.service.js';
import type { OrderModule } from '../order/order.module.js';
import type { PaymentModule } from '../payment/payment.module.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { registerReturnRoutes } from '../return_order/return.controller.js';
import { RETURN_INDEXES, ReturnRepository } from '../return_order/return.repository.js';
import { ReturnService } from '../return_order/return.service.js';
import { registerCourierWebhook } from '../shipment/courier-webhook.controller.js';
import { buildCourierWebhookAuth } from '../shipment/courier-webhook.module.js';
import { CourierTrackingService } from '../shipment/courier-tracking.service.js';
import { registerShipmentRoutes } from '../shipment/shipment.controller.js';
import { SHIPMENT_INDEXES, ShipmentRepository } from '../shipment/shipment.repository.js';
import { ShipmentService } from '../shipment/shipment.service.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { FulfillmentEffects } from './fulfillment-effects.js';
import { registerFulfillmentHandlers } from './fulfillment.handler.js';
import { FulfillmentService } from './fulfillment.service.js';
import { orderLock } from './order-lock.js';
import { wmsSimulator } from './wms-simulator.js';

/** Shipments, the courier webhook, WMS events, invoices and returns. */
export interface FulfillmentModule extends DomainModule {
  fulfillment: FulfillmentService;
  shipments: ShipmentService;
  invoices: InvoiceService;
  returns: ReturnService;
}

export function buildFulfillmentModule(platform: Platform, deps: { tenancy: TenancyModule; orders: OrderModule; stock: StockRoutingModule; payments: PaymentModule }): FulfillmentModule {
  const { config } = platform;
  const db = platform.mongo.db;
  const orders = deps.orders.repository;
  const stock = deps.stock.stockPort;
  const relay = (order: Order) => deps.orders.relay.relayQuietly(order);
  const shipmentRepo = new ShipmentRepository(db);
  const shipments = new ShipmentService(shipmentRepo, orders);
  const invoices = new InvoiceService(new InvoiceRepository(db), orders, platform.sequences, config.invoice);
  const effects = new FulfillmentEffects(stock, invoices, config.invoice, async (tenantId) => (await deps.tenancy.tenants.settings(tenantScope(tenantId))).invoicing);
  const fulfillment = new FulfillmentService(orders, shipments, effects, orderLock(platform.locker), relay);
  const tracking = new CourierTrackingService(shipmentRepo, fulfillment);
  const returns = new ReturnService(new ReturnRepository(db), orders, stock, platform.sequences, platform.locker, deps.payments.service);
  const simulate = config.dev.wms_simulator && config.service.env === 'development';
  const tenantIds = () => deps.tenancy.tenants.listTenantIds();
  const courierAuth = buildCourierWebhookAuth(platform, shipmentRepo);

  return {
    name: 'fulfilment',
    fulfillment,
    shipments,
    invoices,
    returns,
    indexes: { ...SHIPMENT_INDEXES, ...INVOICE_INDEXES, ...RETURN_INDEXES, ...courierAuth.indexes },
    routes(groups) {
      registerShipmentRoutes(groups.seller, shipments);
      registerCourierWebhook(groups.open, tracking, courierAuth.middleware, courierAuth.window);
      courierAuth.registerRoutes(groups.internal);
      registerInvoiceRoutes(groups.seller, invoices);
      registerReturnRoutes(groups.seller, returns);
    },
    handlers: (queues) => registerFulfillmentHandlers(queues, fulfillment),
    background: simulate
      ? [wmsSimulator(orders, platform.queues, tenantIds, config.dev.wms_step_ms, platform.logger, (awb) => tracking.record(awb, { status: 'OUT_FOR_DELIVERY', timestamp: new Date(), location: null }))]
      : [],
  };
}
