import type { Command } from 'commander';
import { toOrderView } from '../../core/domain/order.js';
import { tenantScope } from '../../core/domain/tenant-scope.js';
import { AppError } from '../../core/domain/errors.js';
import { OrderEventFeed } from '../../core/operations/order-event-feed.js';
import { toTimelineView } from '../../core/order/order.controller.js';
import { cell, printRecord, printRows } from './output.js';
import { withContainer } from './session.js';
import { action, number, requiredTenant } from './command-kit.js';

/** `oms orders show` and `oms events tail`: reading orders as an operator (any seller of the tenant). */
export function registerOrderCommands(program: Command): void {
  program
    .command('orders')
    .description("a tenant's orders")
    .command('show <order_id>')
    .description('an order (OMS id), its timeline and the routing decision with every hub considered')
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .action(
      action(async (opts: { tenant: string }, out, [orderId]) => {
        const scope = tenantScope(requiredTenant(opts.tenant));
        const order = await withContainer(async (c) => c.orders.repository.findInTenant(scope, orderId as string));
        if (!order) throw AppError.notFound('order', orderId as string);
        const view = { ...toOrderView(order), timeline: order.timeline.map(toTimelineView), routing: order.routing };
        if (out.json) return void console.log(JSON.stringify(view, null, 2));
        const { timeline, routing, ...rest } = view;
        printRecord(rest, out);
        console.log('\ntimeline');
        printRows(timeline, ['at', 'actor', 'kind', 'from', 'to', 'reason'], out);
        console.log('\nrouting');
        const candidates = Array.isArray(routing?.candidates) ? (routing.candidates as Record<string, unknown>[]) : [];
        if (!routing) console.log('(not routed)');
        else {
          const { candidates: _c, ...summary } = routing;
          printRecord(summary, out);
          printRows(candidates, Object.keys(candidates[0] ?? { hub_code: 1 }), out);
        }
      }),
    );

  program
    .command('events')
    .description('order events')
    .command('tail')
    .description("follow a tenant's order events (timeline entries) as they are written; Ctrl-C stops")
    .requiredOption('--tenant <tenant_id>', 'tenant id')
    .option('--since <iso>', 'start from this time (default: now)')
    .option('--interval <ms>', 'poll interval', number, 1000)
    .action(
      action(async (opts: { tenant: string; since?: string; interval: number }, out) => {
        const scope = tenantScope(requiredTenant(opts.tenant));
        const since = opts.since === undefined ? new Date() : new Date(opts.since);
        if (Number.isNaN(since.getTime())) throw AppError.validation([{ field: 'since', message: 'an ISO 8601 time' }]);
        if (!Number.isInteger(opts.interval) || opts.interval < 100) throw AppError.validation([{ field: 'interval', message: 'an integer of at least 100 (ms)' }]);
        await withContainer(async (c) => {
          await c.tenancy.tenants.requireTenant(scope);
          const feed = new OrderEventFeed(c.orders.repository, scope, { since });
          const stop = stopSignal();
          console.error(`following order events of ${scope.tenantId} since ${since.toISOString()} (Ctrl-C stops)`);
          while (!stop.stopped) {
            for (const e of await feed.poll()) {
              const line = { at: new Date(e.entry.at).toISOString(), order_id: e.order_id, seller_order_id: e.seller_order_id, ...toTimelineView(e.entry) };
              // One JSON object per line (NDJSON) with --json, so a script can read it as it comes.
              console.log(out.json ? JSON.stringify(line) : [line.at, e.order_id, e.seller_order_id, e.entry.kind, `${cell(e.entry.from)} -> ${cell(e.entry.to)}`, e.entry.actor, cell(e.entry.reason)].join('  '));
            }
            await stop.sleep(opts.interval);
          }
        });
      }),
    );
}

/** SIGINT/SIGTERM end the loop after the current poll, so the stores are closed cleanly. */
function stopSignal(): { stopped: boolean; sleep(ms: number): Promise<void> } {
  const state = { stopped: false, wake: () => undefined as void };
  const stop = () => {
    state.stopped = true;
    state.wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    get stopped() {
      return state.stopped;
    },
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}
