import type { Command } from 'commander';
import { tenantScope } from '../../core/domain/tenant-scope.js';
import { parseInput } from '../../core/domain/validation.js';
import { CreateHubBody } from '../../core/hub/hub.controller.js';
import { toHubView } from '../../core/hub/hub.service.js';
import { CreateSellerBody, CreateTenantBody } from '../../core/tenant/tenant.controller.js';
import { printRecord, printRows } from './output.js';
import { withContainer } from './session.js';
import { action, number, requiredTenant } from './command-kit.js';

/** `oms tenants list|create`, `oms sellers create`, `oms hubs list|add`: the services the internal API uses, with its validation. */
export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('tenants of this OMS');
  tenants
    .command('list')
    .description('list tenants, newest first')
    .option('--limit <n>', 'at most this many', number, 100)
    .action(
      action(async (opts: { limit: number }, out) => {
        const rows = await withContainer(async (c) => (await c.tenancy.tenants.listTenants(opts.limit)).map((t) => ({ id: t.id, name: t.name, created_at: t.created_at.toISOString() })));
        printRows(rows, ['id', 'name', 'created_at'], out);
      }),
    );
  tenants
    .command('create')
    .description('create a tenant')
    .requiredOption('--name <name>', 'display name')
    .action(
      action(async (opts: { name: string }, out) => {
        const body = parseInput(CreateTenantBody, { name: opts.name });
        const tenant = await withContainer((c) => c.tenancy.tenants.createTenant(body));
        printRecord({ id: tenant.id, name: tenant.name, created_at: tenant.created_at.toISOString() }, out);
      }),
    );

  program
    .command('sellers')
    .description("a tenant's sellers")
    .command('create')
    .description('create a seller; its API key is shown once')
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--code <code>', 'short code (letters, digits, _ and -)')
    .action(
      action(async (opts: { tenant: string; name: string; code: string }, out) => {
        const body = parseInput(CreateSellerBody, { name: opts.name, code: opts.code });
        const { seller, apiKey } = await withContainer((c) => c.tenancy.tenants.createSeller(tenantScope(requiredTenant(opts.tenant)), body));
        printRecord({ id: seller.id, tenant_id: seller.tenant_id, name: seller.name, code: seller.code, api_key: apiKey }, out);
      }),
    );

  const hubs = program.command('hubs').description("a tenant's hubs (warehouses)");
  hubs
    .command('list')
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .action(
      action(async (opts: { tenant: string }, out) => {
        const scope = tenantScope(requiredTenant(opts.tenant));
        const rows = await withContainer(async (c) => {
          await c.tenancy.tenants.requireTenant(scope);
          return (await c.tenancy.hubs.list(scope)).map(toHubView);
        });
        printRows(rows, ['code', 'name', 'latitude', 'longitude', 'is_external', 'daily_capacity', 'priority', 'active'], out);
      }),
    );
  hubs
    .command('add')
    .description('add a hub')
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .requiredOption('--code <code>', 'hub code')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--latitude <deg>', 'latitude', number)
    .requiredOption('--longitude <deg>', 'longitude', number)
    .option('--external', 'fulfilled by an external WMS', false)
    .option('--daily-capacity <n>', 'orders per UTC day (default: unlimited)', number)
    .option('--priority <n>', 'higher wins ties', number)
    .option('--performance-score <x>', '0..1', number)
    .action(
      action(async (opts: Record<string, unknown> & { tenant: string }, out) => {
        const body = parseInput(CreateHubBody, {
          code: opts.code,
          name: opts.name,
          latitude: opts.latitude,
          longitude: opts.longitude,
          is_external: opts.external,
          ...(opts.dailyCapacity === undefined ? {} : { daily_capacity: opts.dailyCapacity }),
          ...(opts.priority === undefined ? {} : { priority: opts.priority }),
          ...(opts.performanceScore === undefined ? {} : { performance_score: opts.performanceScore }),
        });
        const scope = tenantScope(requiredTenant(opts.tenant));
        const hub = await withContainer(async (c) => {
          await c.tenancy.tenants.requireTenant(scope);
          return c.tenancy.hubs.create(scope, body);
        });
        printRecord(toHubView(hub), out);
      }),
    );
}
