import type { Command } from 'commander';
import { AppError } from '../../core/domain/errors.js';
import { toDeliveryView, toEndpointView } from '../../core/webhook/webhook.types.js';
import { printRows } from './output.js';
import { withContainer } from './session.js';
import { action, number, requiredTenant } from './command-kit.js';

/**
 * `oms webhooks list|deliveries|replay`: a tenant's seller webhooks as an operator (any seller).
 * A replay makes deliveries due now; the running dispatcher (a worker) sends them.
 */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description("sellers' webhook endpoints: list, deliveries, replay");

  webhooks
    .command('list')
    .description("the tenant's webhook endpoints (every seller)")
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .action(
      action(async (opts: { tenant: string }, out) => {
        const tenantId = requiredTenant(opts.tenant);
        const rows = (await withContainer((c) => c.webhooks.service.list({ tenantId, sellerId: null }))).map(toEndpointView);
        if (out.json) return void console.log(JSON.stringify(rows, null, 2));
        printRows(rows, ['id', 'seller_id', 'status', 'url', 'consecutive_failures', 'disabled_reason'], out);
      }),
    );

  webhooks
    .command('deliveries <endpoint_id>')
    .description("an endpoint's deliveries, newest first")
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .option('--status <status>', 'pending | sending | delivered | parked')
    .option('--limit <n>', 'at most this many', number, 50)
    .action(
      action(async (opts: { tenant: string; status?: string; limit: number }, out, [endpointId]) => {
        const tenantId = requiredTenant(opts.tenant);
        if (opts.status && !['pending', 'sending', 'delivered', 'parked'].includes(opts.status)) throw AppError.validation([{ field: 'status', message: 'pending, sending, delivered or parked' }]);
        if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 500) throw AppError.validation([{ field: 'limit', message: 'an integer from 1 to 500' }]);
        const rows = (
          await withContainer((c) => c.webhooks.service.deliveriesOf({ tenantId, sellerId: null }, endpointId as string, { status: opts.status as never }, opts.limit))
        ).map(toDeliveryView);
        if (out.json) return void console.log(JSON.stringify(rows, null, 2));
        printRows(rows, ['id', 'event_type', 'order_id', 'status', 'attempts', 'last_status_code', 'last_error'], out);
      }),
    );

  webhooks
    .command('replay <endpoint_id>')
    .description('send parked or failed deliveries again: some (--delivery) or those whose event occurred in a time range (--since [--until])')
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .option('--delivery <delivery_id...>', 'these deliveries')
    .option('--since <iso>', 'events that occurred at or after this time')
    .option('--until <iso>', 'and before this time (default: now)')
    .action(
      action(async (opts: { tenant: string; delivery?: string[]; since?: string; until?: string }, out, [endpointId]) => {
        const tenantId = requiredTenant(opts.tenant);
        if (Boolean(opts.delivery?.length) === Boolean(opts.since)) throw AppError.validation([{ field: 'delivery|since', message: 'give either --delivery <delivery_id...> or --since <iso> [--until <iso>]' }]);
        if (opts.until && !opts.since) throw AppError.validation([{ field: 'until', message: '--until goes with --since' }]);
        const since = opts.since ? isoDate('since', opts.since) : null;
        const until = opts.until ? isoDate('until', opts.until) : new Date();
        const scope = { tenantId, sellerId: null };
        const replayed = await withContainer(async (c) => {
          if (since) return c.webhooks.service.replayRange(scope, endpointId as string, since, until);
          for (const id of opts.delivery ?? []) await c.webhooks.service.replay(scope, endpointId as string, id);
          return opts.delivery?.length ?? 0;
        });
        if (out.json) console.log(JSON.stringify({ endpoint_id: endpointId, replayed }, null, 2));
        else console.log(`replayed ${replayed} deliveries of ${endpointId}: the dispatcher sends them now`);
      }),
    );
}

function isoDate(field: string, raw: string): Date {
  const at = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(at.getTime())) throw AppError.validation([{ field, message: 'an ISO 8601 time, e.g. 2026-01-31T12:00:00Z' }]);
  return at;
}
