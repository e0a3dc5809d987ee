import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { AppError } from '../../core/domain/errors.js';
import { cell, printRecord, printRows } from './output.js';
import { withContainer } from './session.js';
import { action, number } from './command-kit.js';

/** `oms dlq list|show|redrive`: the dead-letter queues, through core/operations/dead-letter.service.ts. */
export function registerDlqCommands(program: Command): void {
  const dlq = program.command('dlq').description('dead-letter queues: depths, messages, redrive');

  dlq
    .command('list [queue]')
    .description("each queue's depth, its DLQ's depth and the DLQ's oldest messages with their failure reason")
    .option('--limit <n>', 'oldest messages shown per DLQ', number, 5)
    .action(
      action(async (opts: { limit: number }, out, [queue]) => {
        if (!Number.isInteger(opts.limit) || opts.limit < 0 || opts.limit > 50) throw AppError.validation([{ field: 'limit', message: 'an integer from 0 to 50' }]);
        const result = await withContainer(async (c) => {
          const depths = await c.operations.deadLetters.depths(queue);
          return Promise.all(depths.map(async (d) => ({ ...d, oldest: d.dlq_depth > 0 && opts.limit > 0 ? await c.operations.deadLetters.oldest(d.queue, opts.limit) : [] })));
        });
        if (out.json) {
          console.log(JSON.stringify(result, null, 2));
          return;
        }
        printRows(result, ['queue', 'visible', 'in_flight', 'delayed', 'dlq', 'dlq_depth'], out);
        for (const q of result.filter((r) => r.oldest.length > 0)) {
          console.log(`\n${q.dlq}: oldest ${q.oldest.length} of ${q.dlq_depth}`);
          printRows(
            q.oldest.map((m) => ({ ...m, reason: `${m.error_code}: ${m.error_message}`.slice(0, 100) })),
            ['message_id', 'dead_lettered_at', 'receive_count', 'reason'],
            out,
          );
        }
      }),
    );

  dlq
    .command('show <queue> <message_id>')
    .description('one dead-lettered message: failure, attributes and decoded body')
    .action(
      action(async (_opts: object, out, [queue, messageId]) => {
        const letter = await withContainer((c) => c.operations.deadLetters.show(queue as string, messageId as string));
        if (out.json) return void console.log(JSON.stringify(letter, null, 2));
        const { body, attributes, ...rest } = letter;
        printRecord({ ...rest, error_details: cell(rest.error_details), attributes }, out);
        console.log(JSON.stringify(body, null, 2));
      }),
    );

  dlq
    .command('redrive <queue>')
    .description('send DLQ messages back to their source queue (each deleted from the DLQ once sent)')
    .option('--all', 'every message in the DLQ (as many as it held when the redrive started)')
    .option('--id <message_id...>', 'these messages')
    .option('--dry-run', 'show what would be redriven; move nothing')
    .action(
      action(async (opts: { all?: boolean; id?: string[]; dryRun?: boolean }, out, [queue]) => {
        if (Boolean(opts.all) === Boolean(opts.id?.length)) throw AppError.validation([{ field: 'all|id', message: 'give either --all or --id <message_id...>' }]);
        const bar = process.stderr.isTTY && !out.json ? new SingleBar({ stream: process.stderr, format: 'redrive [{bar}] {value}/{total}' }, Presets.shades_classic) : null;
        const report = await withContainer((c) =>
          c.operations.deadLetters.redrive(queue as string, { all: opts.all, messageIds: opts.id, dryRun: opts.dryRun }, (done, total) => {
            if (!bar) return;
            if (done === 0) bar.start(total, 0);
            else bar.update(done);
          }),
        ).finally(() => bar?.stop());
        if (out.json) console.log(JSON.stringify(report, null, 2));
        else {
          console.log(`${report.dry_run ? 'would redrive' : 'redriven'} ${report.redriven.length} from ${report.dlq} to ${report.queue}; failed ${report.failed.length}; not found ${report.not_found.length}`);
          for (const f of report.failed) console.log(`  failed ${f.message_id}: ${f.error}`);
          for (const id of report.not_found) console.log(`  not found ${id}`);
        }
        if (report.failed.length > 0 || report.not_found.length > 0) process.exitCode = 1;
      }),
    );
}
