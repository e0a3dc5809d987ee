import { QUEUES, TABLES } from '../../localstack/resources.js';
import { tenantScope } from '../domain/tenant-scope.js';
import type { DomainModule } from '../platform/module.js';
import { periodicTask } from '../platform/periodic-task.js';
import type { Platform } from '../platform/platform.js';
import type { TenancyModule } from '../tenant/tenant.module.js';
import { registerEffectRoutes } from './effect.controller.js';
import { EffectLedger } from './effect.ledger.js';
import { EFFECT_INDEXES, EffectRepository } from './effect.repository.js';
import { EffectService } from './effect.service.js';

/** The side effects of events (push, notifications): claims, outcomes, retries and replay. */
export interface EffectsModule extends DomainModule {
  effects: EffectService;
}

/** Every tenant is visited this often (the other passes visit only tenants this process saw failing). */
const FULL_PASS_EVERY_MS = 30_000;

export function buildEffectsModule(platform: Platform, deps: { tenancy: TenancyModule }): EffectsModule {
  const { config, logger, metrics } = platform;
  const leaseMs = QUEUES.orderUpdates.visibilityTimeoutS * 1000;
  const ledger = new EffectLedger(platform.dynamo, `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`);
  const records = new EffectRepository(platform.mongo.db);
  const effects = new EffectService(ledger, records, metrics, logger, {
    leaseMs,
    maxAttempts: config.effects.max_attempts,
    baseDelayMs: config.effects.retry_base_delay_ms,
    maxDelayMs: config.effects.retry_max_delay_ms,
  });
  let lastFullPass = 0;
  const sweeper = periodicTask(
    'effect-retry-sweeper',
    config.effects.sweep_interval_ms,
    async () => {
      const full = Date.now() - lastFullPass >= FULL_PASS_EVERY_MS;
      if (full) lastFullPass = Date.now();
      const tenants = full ? await deps.tenancy.tenants.listTenantIds() : effects.tenantsToSweep();
      for (const tenantId of tenants) await effects.retryDue(tenantScope(tenantId));
    },
    logger,
  );
  return {
    name: 'effects',
    effects,
    indexes: EFFECT_INDEXES,
    routes: (groups) => registerEffectRoutes(groups.internal, effects, records),
    background: [sweeper],
  };
}
