import type { Config } from '../configs/config.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { Logger } from '../core/platform/logger.js';
import { buildContainer } from './container.js';
import { connectPlatform } from './platform.js';

/**
 * `oms check-stock --tenant T [--repair]`: connects the stores (no listeners, no HTTP), audits
 * the tenant's stock against the orders that hold it, prints the report as JSON and exits 0
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
    const report = await container.stockRouting.check.run(tenantScope(tenantId), { repair: argv.includes('--repair') });
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  } finally {
    await platform.close();
  }
}
