import type { Config } from '../configs/config.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Logger } from '../core/platform/logger.js';
import { buildContainer } from './container.js';
import { connectPlatform } from '../core/platform/platform.js';

/**
 * `oms check-stock --tenant T [--repair]`: connects the stores (no listeners, no HTTP), audits
 * the tenant's stock (and hub-day slots) against the orders that hold them, prints the report as JSON and exits 0
 * when stock is consistent (or was repaired), 1 when differences remain.
 */
export async function checkStock(config: Config, logger: Logger, argv: string[]): Promise<number> {
  const tenantAt = argv.indexOf('--tenant');
  const tenantId = tenantAt >= 0 ? argv[tenantAt + 1] : undefined;
  if (!tenantId || tenantId.startsWith('--')) {
    console.error('usage: oms check-stock --tenant <tenant_id> [--repair]');
    return 2;
  }
  const platform = await connectPlatform(config, logger, { ensureResources: false });
  try {
    const container = await buildContainer(platform);
    const scope = tenantScope(tenantId);
    const repair = argv.includes('--repair');
    const report = await container.stockRouting.check.run(scope, { repair });
    const capacity = await container.stockRouting.checkCapacity(scope, { repair });
    const slotsOk = capacity.every((d) => d.kind === 'in_flight_slot' || d.repaired);
    console.log(JSON.stringify({ ...report, ok: report.ok && slotsOk, capacity_differences: capacity }, null, 2));
    return report.ok && slotsOk ? 0 : 1;
  } finally {
    await platform.close();
  }
}
