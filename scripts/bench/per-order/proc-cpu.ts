import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process CPU time from /proc (Linux): utime + stime of a process, in ms. The bench takes the
 * difference over a run, so it is the CPU each process spent on that run's orders (plus its own
 * idle background work in that window).
 */
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

interface Stat {
  comm: string;
  ppid: number;
  /** utime + stime, ms. */
  own: number;
  /** cutime + cstime, ms: children that exited and were waited for. */
  children: number;
}

function readStat(pid: number): Stat | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  // The command name is in parentheses and may hold spaces: fields are counted after the last ')'.
  const close = raw.lastIndexOf(')');
  const fields = raw.slice(close + 2).split(' ');
  const n = (i: number) => Number(fields[i]) * TICK_MS;
  return { comm: raw.slice(raw.indexOf('(') + 1, close), ppid: Number(fields[1]), own: n(11) + n(12), children: n(13) + n(14) };
}

export function cpuMs(pid: number): number {
  return readStat(pid)?.own ?? 0;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export interface PostgresCpu {
  /** Every postgres process of the machine, plus the backends that exited (the postmaster's waited-for children). */
  all: number;
  /** The backends connected to `database` (the bench's own FerretDB), from their process titles. */
  database: number;
}

/** CPU ms of the PostgreSQL server: all of it (shared with whoever else uses it) and the bench database's backends. */
export function postgresCpu(database: string | null): PostgresCpu {
  let all = 0;
  let own = 0;
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat?.comm === 'postgres') stats.set(pid, stat);
  }
  for (const [pid, stat] of stats) {
    all += stat.own;
    if (!stats.has(stat.ppid)) all += stat.children; // the postmaster
    // A backend's title: "postgres: 15/main: <user> <database> <host>(<port>) <state>".
    if (database && cmdline(pid).split(' ')[3] === database) own += stat.own;
  }
  return { all, database: own };
}
