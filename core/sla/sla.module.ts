import type { Order } from '../domain/order.js';
import type { OrderModule } from '../order/order.module.js';
import { systemClock, type Clock } from '../platform/clock.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask, type PeriodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { SlaService } from './sla.service.js';

/** SLA clocks on every stage (docs/adr/0012). Its index lives with the orders' (ORDER_INDEXES). */
export interface SlaModule extends DomainModule {
  service: SlaService;
  sweeper: PeriodicTask;
  /** A sweep that judges at the given clock (tests move time with it; production uses the system clock). */
  sweepAt(clock: Clock): Promise<number>;
}

export function buildSlaModule(platform: Platform, deps: { tenancy: TenancyModule; orders: OrderModule }): SlaModule {
  const { config } = platform;
  const make = (clock: Clock) =>
    new SlaService({
      orders: deps.orders.repository,
      settings: async (scope) => (await deps.tenancy.tenants.settings(scope)).sla,
      afterWrite: (order: Order) => deps.orders.relay.relayQuietly(order),
      clock,
      batchSize: config.sla.batch_size,
    });
  const service = make(systemClock);
  deps.orders.relay.onEvent((order, event) => service.onOrderEvent(order, event));
  const tenantIds = () => deps.tenancy.tenants.listTenantIds();
  const sweeper = periodicTask('sla-sweep', config.sla.sweep_interval_ms, async () => void (await service.sweep(await tenantIds())), platform.logger);
  return {
    name: 'sla',
    service,
    sweeper,
    sweepAt: async (clock) => make(clock).sweep(await tenantIds()),
    background: [sweeper],
  };
}
