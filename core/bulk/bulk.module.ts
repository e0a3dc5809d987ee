import type { z } from 'zod';
import type { HubRoutingService } from '../hub_routing/hub-routing.service.js';
import { zodFieldErrors } from '../domain/validation.js';
import { CreateOrderBody } from '../order/order.schemas.js';
import type { OrderModule } from '../order/order.module.js';
import type { DomainModule } from '../platform/module.js';
import type { Platform } from '../platform/platform.js';
import { ServiceItemExecutor, type BulkItemExecutor } from './bulk-item.executor.js';
import { BULK_INDEXES, BulkJobRepository } from './bulk-job.repository.js';
import { BulkJobRunner } from './bulk-job.runner.js';
import { BulkJobService, type OrderBodyValidator } from './bulk-job.service.js';
import { registerBulkRoutes } from './bulk.controller.js';
import { registerBulkHandlers } from './bulk.handler.js';

/** Bulk jobs: many orders created, approved, cancelled or assigned through the single-order use cases. */
export interface BulkModule extends DomainModule {
  repository: BulkJobRepository;
  service: BulkJobService;
  runner: BulkJobRunner;
}

export function buildBulkModule(platform: Platform, deps: { orders: OrderModule; routing: HubRoutingService }): BulkModule {
  const { orders } = deps;
  const executor = new ServiceItemExecutor(orders.service, deps.routing, (scope, id) => orders.repository.findById(scope, id));
  return buildBulkModuleWith(platform, executor);
}

/** The module over any executor (tests put a failing one in front of the real one). */
export function buildBulkModuleWith(platform: Platform, executor: BulkItemExecutor): BulkModule {
  const { config, queues } = platform;
  const repository = new BulkJobRepository(platform.mongo.db);
  const limits = { maxItems: config.order.bulk_max_items };
  const enqueue = async (job: { id: string; tenant_id: string; seller_id: string }) => {
    await queues.send('bulkAction', { event: 'bulk_action', tenant_id: job.tenant_id, seller_id: job.seller_id, job_id: job.id });
  };
  const service = new BulkJobService(repository, enqueue, zodValidator(CreateOrderBody), limits);
  const runner = new BulkJobRunner(repository, executor, platform.realtime, platform.eventStream, platform.logger, {
    batchSize: config.order.bulk_batch_size,
    concurrency: config.order.bulk_concurrency,
    gate: platform.priority,
  });
  return {
    name: 'bulk',
    repository,
    service,
    runner,
    indexes: BULK_INDEXES,
    routes: (groups) => registerBulkRoutes(groups, service, limits),
    handlers: (queues) => registerBulkHandlers(queues, runner),
  };
}

/** Per-item validation with the single create route's own schema, so both accept the same bodies. */
export function zodValidator(schema: z.ZodType): OrderBodyValidator {
  return (input) => {
    const parsed = schema.safeParse(input);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: zodFieldErrors(parsed.error) };
  };
}
