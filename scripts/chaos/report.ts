import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ChaosReport } from './chaos.js';

export const RELIABILITY_FILE = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));

/** The figures of a chaos run as a Markdown table (printed, and kept in docs/reliability.md). */
export function chaosTable(r: ChaosReport): string {
  const v = r.verdict;
  const rows: [string, string | number][] = [
    ['worker kills (kill -9, restarted)', r.kills],
    ['dependency restarts (kill -9)', r.restarts.join(', ') || 'none'],
    ['orders (SQS + API)', `${v.orders} (${Math.round(r.options.orders * r.options.sqsShare)} SQS, ${r.options.orders - Math.round(r.options.orders * r.options.sqsShare)} API; ${r.duplicatesSent} duplicate messages; ${r.options.hotOrders} for ${r.options.hotUnits} hot units)`],
    ['edits / cancels during routing', `${r.edits} / ${r.cancels}`],
    ['final statuses', Object.entries(v.byStatus).map(([s, n]) => `${s} ${n}`).join(', ')],
    ['lost', v.lost],
    ['duplicated', v.duplicated],
    ['oversold (stock samples, 1/s)', v.oversold],
    ['stock drift (check-stock)', v.drift],
    ['hub-day slot drift', v.slotDrift],
    ['stuck without a reason', v.stuck.length],
    ['cancelled orders whose leftover holds the reaper gave back', r.reapedCancelled],
    ['effects sent', v.effects.sent],
    ['effects duplicated (received twice: seller Pusher, customer SMS and push)', v.effects.duplicated === 0 ? 0 : `${v.effects.duplicated} ${JSON.stringify(v.effects.duplicatedByChannel)}`],
    ['effects parked (with reason)', v.effects.parked],
    ['effects lost or unsettled', v.effects.lost + v.effects.unsettled + v.effects.unrecorded],
    [
      'ran out of receives, redriven by the operator step',
      r.redriven.messages === 0 ? 0 : `${r.redriven.messages} (${JSON.stringify(r.redriven.byQueue)}); of them ${r.redriven.neverFailed} never failed in a live worker (taken by killed ones), ${r.redriven.failedEveryTime} failed in live workers on every receive`,
    ],
    ['dead-lettered messages left (explained)', v.dlq.messages === 0 ? 0 : `${v.dlq.messages} (${v.dlq.explained}): ${JSON.stringify(v.dlq.reasons)}`],
    ['`oms check-stock`', v.checkStockOk ? 'clean' : 'differences'],
    ['load / time to drain after it', `${r.loadSeconds} s / ${r.drainSeconds} s`],
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, val]) => `| ${k} | ${val} |`)].join('\n');
}

export function commitOf(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} + uncommitted changes` : sha;
  } catch {
    return 'unknown';
  }
}

/** Adds the run on top of docs/reliability.md's history (newest first). */
export function recordRun(r: ChaosReport): void {
  const header = [
    '# Reliability',
    '',
    '`npm run chaos` runs the OMS in its production shape (1 `server` + 2 `worker` processes from dist/) on a private',
    'local stack under a mixed load, kills a random worker with `kill -9` every few seconds (it is started again at once),',
    'kills and restarts FerretDB, Redis and the SQS endpoint once each (fauxqs keeps messages in memory only, so the process',
    'killed is a TCP front of it: the OMS sees SQS go away and come back, and no message is lost by the emulator itself),',
    'then checks every invariant through the OMS\'s',
    'own read paths (scripts/chaos/chaos-verify.ts). `test/chaos.test.ts` runs a smaller version in `npm test`.',
    '',
    'Orders carry a customer push token, and the private stack points SMS and push at a provider that records what it',
    'receives, so every effect (seller Pusher event, customer e-mail, SMS and push) is checked against the effect ledger:',
    'sent (and received) once, or received twice in the crash window ADR 0008 accepts, or parked with a reason.',
    'While draining, an operator\'s step redrives (by id, through the DLQ service `oms dlq redrive` uses) any message that',
    'ran out of receives with no decision of the OMS: a worker killed while it held the message, or while its long poll',
    'was open (the emulator, like SQS, still hands such a poll the next messages, which then count a receive nobody',
    'handled). The report says how many, and whether live workers ever failed them; what the OMS dead-lettered for a',
    'reason stays in the DLQ and must be explained.',
    '',
    '## Runs',
    '',
    '',
  ].join('\n');
  const entry = [
    `### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commitOf()}`,
    '',
    `${cpus().length} cores, Node ${process.version}; FerretDB 1.24 launcher on PostgreSQL, redis-server, fauxqs, dynalite on the same machine.`,
    '',
    chaosTable(r),
    '',
    ...(r.verdict.failures.length > 0 ? ['Failed invariants:', '', ...r.verdict.failures.map((f) => `- ${f}`), ''] : []),
  ].join('\n');
  const old = existsSync(RELIABILITY_FILE) ? readFileSync(RELIABILITY_FILE, 'utf8') : '';
  const history = old.includes('## Runs\n') ? old.slice(old.indexOf('## Runs\n') + '## Runs\n'.length).replace(/^\n+/, '') : '';
  writeFileSync(RELIABILITY_FILE, `${header}${entry}\n${history}`);
}
