import type { z } from 'zod';
import type { Platform } from '../../cmd/platform.js';
import type { RouteGroups } from '../../router/app.js';
import { zodFieldErrors } from '../domain/validation.js';
import type { IndexPlan } from '../platform/mongo.js';
import type { ListenerRegistration } from '../workers/runtime/server.js';
import { bulkActionListener } from '../workers/listeners/bulk-action.listener.js';
import type { BulkItemExecutor } from './bulk-item.executor.js';
import { BULK_INDEXES, BulkJobRepository } from './bulk-job.repository.js';
import { BulkJobRunner } from './bulk-job.runner.js';
import { BulkJobService, type OrderBodyValidator } from './bulk-job.service.js';
import { registerBulkRoutes } from './bulk.controller.js';

/** Everything of bulk jobs that the container wires (cmd/container.ts). */
export interface BulkModule {
  repository: BulkJobRepository;
  service: BulkJobService;
  runner: BulkJobRunner;
  indexes: IndexPlan;
  registerRoutes(groups: RouteGroups): void;
  listeners(): ListenerRegistration[];
}

export function buildBulkModule(platform: Platform, executor: BulkItemExecutor, validateOrder: OrderBodyValidator): BulkModule {
  const { config, queues } = platform;
  const repository = new BulkJobRepository(platform.mongo.db);
  const limits = { maxItems: config.order.bulk_max_items };
  const enqueue = async (job: { id: string; tenant_id: string; seller_id: string }) => {
    await queues.send('bulkAction', { event: 'bulk_action', tenant_id: job.tenant_id, seller_id: job.seller_id, job_id: job.id });
  };
  const service = new BulkJobService(repository, enqueue, validateOrder, limits);
  const runner = new BulkJobRunner(repository, executor, platform.realtime, platform.logger, { batchSize: config.order.bulk_batch_size });
  return {
    repository,
    service,
    runner,
    indexes: BULK_INDEXES,
    registerRoutes: (groups) => registerBulkRoutes(groups, service, limits),
    listeners: () => [bulkActionListener(runner)],
  };
}

/** Per-item validation with the single create route's own schema, so both accept the same bodies. */
export function zodValidator(schema: z.ZodType): OrderBodyValidator {
  return (input) => {
    const parsed = schema.safeParse(input);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: zodFieldErrors(parsed.error) };
  };
}
