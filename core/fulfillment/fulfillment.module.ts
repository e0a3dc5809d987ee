import type { Platform } from '../../cmd/platform.js';
import type { RouteGroups } from '../../router/app.js';
import type { Order } from '../domain/order.js';
import type { OrderRepository } from '../order/order.repository.js';
import type { StockPort } from '../order/ports.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { ListenerRegistration } from '../workers/runtime/server.js';
import { shipmentListener } from '../workers/listeners/shipment.listener.js';
import { registerInvoiceRoutes } from '../invoice/invoice.controller.js';
import { INVOICE_INDEXES, InvoiceRepository } from '../invoice/invoice.repository.js';
import { InvoiceService } from '../invoice/invoice.service.js';
import { registerReturnRoutes } from '../return_order/return.controller.js';
import { RETURN_INDEXES, ReturnRepository } from '../return_order/return.repository.js';
import { ReturnService } from '../return_order/return.service.js';
import { registerCourierWebhook } from '../shipment/courier-webhook.controller.js';
import { buildCourierWebhookAuth } from '../shipment/courier-webhook.module.js';
import { CourierTrackingService } from '../shipment/courier-tracking.service.js';
import { registerShipmentRoutes } from '../shipment/shipment.controller.js';
import { SHIPMENT_INDEXES, ShipmentRepository } from '../shipment/shipment.repository.js';
import { ShipmentService } from '../shipment/shipment.service.js';
import { FulfillmentEffects } from './fulfillment-effects.js';
import { FulfillmentService } from './fulfillment.service.js';
import { orderLock } from './order-lock.js';
import { WmsSimulator } from './wms-simulator.js';

export interface FulfillmentDeps {
  orders: OrderRepository;
  /** The stock capability (core/inventory), possibly bound later (see core/order/late-ports.ts). */
  stock: StockPort;
  tenantIds: () => Promise<string[]>;
  /** Relays an order's outbox at once; without it the order relay's sweeper sends it. */
  relay?: (order: Order) => Promise<void>;
}

/** Everything of issue 5 the container wires: shipments, courier webhook, WMS events, invoices, returns. */
export interface FulfillmentModule {
  fulfillment: FulfillmentService;
  shipments: ShipmentService;
  invoices: InvoiceService;
  returns: ReturnService;
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups): void;
  listeners(): ListenerRegistration[];
  background(): { name: string; start(): void; stop(): Promise<void> }[];
}

export function buildFulfillmentModule(platform: Platform, deps: FulfillmentDeps): FulfillmentModule {
  const { config } = platform;
  const db = platform.mongo.db;
  const shipmentRepo = new ShipmentRepository(db);
  const shipments = new ShipmentService(shipmentRepo, deps.orders);
  const invoices = new InvoiceService(new InvoiceRepository(db), deps.orders, platform.sequences, config.invoice);
  const effects = new FulfillmentEffects(deps.stock, invoices, config.invoice);
  const fulfillment = new FulfillmentService(deps.orders, shipments, effects, orderLock(platform.locker), deps.relay);
  const tracking = new CourierTrackingService(shipmentRepo, fulfillment);
  const returns = new ReturnService(new ReturnRepository(db), deps.orders, deps.stock, platform.sequences, platform.locker);
  const simulate = config.dev.wms_simulator && config.service.env === 'development';
  const courierAuth = buildCourierWebhookAuth(platform, shipmentRepo);

  return {
    fulfillment,
    shipments,
    invoices,
    returns,
    indexes: { ...SHIPMENT_INDEXES, ...INVOICE_INDEXES, ...RETURN_INDEXES, ...courierAuth.indexes },
    registerRoutes(groups) {
      registerShipmentRoutes(groups.seller, shipments);
      registerCourierWebhook(groups.open, tracking, courierAuth.middleware, courierAuth.window);
      courierAuth.registerRoutes(groups.internal);
      registerInvoiceRoutes(groups.seller, invoices);
      registerReturnRoutes(groups.seller, returns);
    },
    listeners: () => [shipmentListener(fulfillment)],
    background: () => (simulate ? [new WmsSimulator(db, platform.queues, deps.tenantIds, config.dev.wms_step_ms, platform.logger)] : []),
  };
}
