import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * docs/benchmarks.md keeps every per-order run under this heading, newest first; the classic
 * table above it is rewritten by a full `npm run bench` (scripts/bench/run.ts keeps this part).
 */
export const HISTORY_HEADING = '## Per-order history (`npm run bench -- per-order`), newest first';

export const BENCHMARKS_FILE = new URL('../../../docs/benchmarks.md', import.meta.url);

/** The history section of a benchmarks document ('' when it has none). */
export function historyOf(doc: string): string {
  const at = doc.indexOf(HISTORY_HEADING);
  return at < 0 ? '' : doc.slice(at);
}

/** The document with `entry` as the newest run of the history (the section is added when missing). */
export function withNewestRun(doc: string, entry: string): string {
  const at = doc.indexOf(HISTORY_HEADING);
  if (at < 0) return `${doc.trimEnd()}\n\n${HISTORY_HEADING}\n\n${entry.trim()}\n`;
  const after = at + HISTORY_HEADING.length;
  return `${doc.slice(0, after)}\n\n${entry.trim()}\n\n${doc.slice(after).trimStart()}`.trimEnd() + '\n';
}

function git(...args: string[]): string {
  return spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
}

/** The commit being measured (read when the run starts), marked when tracked files differ from it. */
export function measuredCommit(): string {
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '' ? ' + uncommitted changes' : '';
  return `${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty}`;
}

/** `### <date> · <commit>`, with the machine and what ran, then the tables. */
export function historyEntry(body: string, setup: string, commit: string): string {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`;
  return `### ${when} UTC · commit ${commit}\n\n${machine}; ${setup}\n\n${body.trim()}\n`;
}

export function appendRun(entry: string): void {
  const doc = existsSync(BENCHMARKS_FILE) ? readFileSync(BENCHMARKS_FILE, 'utf8') : '# Benchmarks\n';
  writeFileSync(BENCHMARKS_FILE, withNewestRun(doc, entry));
}
