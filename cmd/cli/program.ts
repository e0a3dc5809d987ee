import { Command } from 'commander';
import type { Mode } from '../oms.js';
import { registerCheckStockCommand } from '../check-stock.js';
import { registerDlqCommands } from './dlq.commands.js';
import { registerOrderCommands } from './order.commands.js';
import { registerTenantCommands } from './tenant.commands.js';
import { registerWebhookCommands } from './webhook.commands.js';

/**
 * The `oms` command: the service modes and the operator commands, which read the same
 * configuration (configs/defaults.yaml + environment) and build the same container as the server.
 */
export function buildProgram(runService: (mode: Mode | 'dev') => Promise<void>): Command {
  const program = new Command('oms')
    .description('Order management system: run the service, or operate it')
    .option('--json', 'machine-readable JSON output (default: tables)')
    // A usage error is the error line and this hint, exit 2 (see main.ts), never the whole help.
    .showHelpAfterError('usage: oms <command> [options]   (oms --help lists the commands, oms <command> --help their options)')
    .exitOverride();
  const modes: [Mode | 'dev', string][] = [
    ['server', 'HTTP API (public, internal, aggregator routers)'],
    ['worker', 'SQS listeners and background tasks'],
    ['all', 'API and workers in one process'],
    ['dev', 'all, on the embedded local stack, with demo data'],
  ];
  for (const [mode, description] of modes) program.command(mode).description(description).action(() => runService(mode));
  registerCheckStockCommand(program);
  registerTenantCommands(program);
  registerDlqCommands(program);
  registerOrderCommands(program);
  registerWebhookCommands(program);
  return program;
}
