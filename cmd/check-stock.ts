import type { Command } from 'commander';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { action, requiredTenant } from './cli/command-kit.js';
import { withContainer } from './cli/session.js';

/**
 * `oms check-stock --tenant T [--repair]`: connects the stores (no listeners, no HTTP), audits
 * the tenant's stock (and hub-day slots) against the orders that hold them, prints the report as JSON and exits 0
 * when stock is consistent (or was repaired), 1 when differences remain.
 */
export function registerCheckStockCommand(program: Command): void {
  program
    .command('check-stock')
    .description("audit a tenant's stock and hub-day slots against the orders holding them (JSON report; exit 1 when differences remain)")
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .option('--repair', 'fix what differs', false)
    .action(
      action(async (opts: { tenant: string; repair: boolean }) => {
        const scope = tenantScope(requiredTenant(opts.tenant));
        const ok = await withContainer(async (container) => {
          const report = await container.stockRouting.check.run(scope, { repair: opts.repair });
          const capacity = await container.stockRouting.checkCapacity(scope, { repair: opts.repair });
          const slotsOk = capacity.every((d) => d.kind === 'in_flight_slot' || d.repaired);
          console.log(JSON.stringify({ ...report, ok: report.ok && slotsOk, capacity_differences: capacity }, null, 2));
          return report.ok && slotsOk;
        });
        if (!ok) process.exitCode = 1;
      }),
    );
}
