import { CarrierGateway } from '../../external-service/courier/carrier.gateway.js';
import type { Order } from '../domain/order.js';
import type { FulfillmentModule } from '../fulfillment/fulfillment.module.js';
import type { OrderModule } from '../order/order.module.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { registerCourierBookingRoutes } from './courier-booking.controller.js';
import { COURIER_BOOKING_INDEXES, CourierBookingRepository } from './courier-booking.repository.js';
import { CourierBookingService } from './courier-booking.service.js';

/** Courier booking: the TMS side of the fulfilment saga (docs/adr/0011). */
export interface CourierModule extends DomainModule {
  bookings: CourierBookingService;
  gateway: CarrierGateway;
  sweeper: PeriodicTask;
}

export function buildCourierModule(
  platform: Platform,
  deps: { tenancy: TenancyModule; orders: OrderModule; fulfilment: FulfillmentModule },
  clock: Clock = systemClock,
): CourierModule {
  const { booking } = platform.config.courier;
  const gateway = new CarrierGateway(booking);
  const bookings = new CourierBookingService({
    repo: new CourierBookingRepository(platform.mongo.db),
    orders: deps.orders.repository,
    shipments: deps.fulfilment.shipments,
    settings: async (scope) => (await deps.tenancy.tenants.settings(scope)).courier,
    gateway,
    afterWrite: (order: Order) => deps.orders.relay.relayQuietly(order),
    clock,
    config: booking,
    logger: platform.logger,
  });
  // Booking rides on the order's own status events, so a packed order cannot miss its booking:
  // the event leaves the outbox only after this ran (carrier trouble is absorbed inside).
  deps.orders.relay.onEvent((order, event) => bookings.onOrderEvent(order, event));
  const sweeper = periodicTask(
    'courier-booking-sweep',
    booking.sweep_interval_ms,
    async () => void (await bookings.sweep(await deps.tenancy.tenants.listTenantIds())),
    platform.logger,
  );
  return { name: 'courier', bookings, gateway, sweeper, indexes: COURIER_BOOKING_INDEXES, background: [sweeper], routes: (groups) => registerCourierBookingRoutes(groups.seller, bookings) };
}
