import { performance } from 'node:perf_hooks';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** What bulk work is waiting to start: an item of a bulk job, or a message of the bulk routing lane. */
export type BulkKind = 'bulk_item' | 'bulk_lane';
/** What marks itself interactive: an API write, or a message of an interactive lane. */
export type InteractiveKind = 'api' | 'interactive_lane';

export interface PriorityGateOptions {
  /** Off: bulk work never waits (the gate only counts). */
  enabled: boolean;
  /**
   * Interactive work counts as in flight this long after it ends: one order's steps (API call,
   * relay, routing message) have short gaps between them that bulk work must not fill.
   */
  lingerMs: number;
  /** While interactive work is in flight, one waiting bulk start is let through this often (bulk's minimum rate). */
  bulkIntervalMs: number;
}

export interface PriorityGateMetrics {
  bulkWaits: Counter<'kind' | 'outcome'>;
  bulkWaitSeconds: Histogram<'kind'>;
  interactiveInFlight: Gauge;
  interactiveWork: Counter<'kind'>;
}

interface Waiter {
  kind: BulkKind;
  since: number;
  release: () => void;
}

/**
 * Process-wide priority between interactive and bulk work (ADR 0016, amendment). Interactive
 * work (an API write, a message of an interactive lane) marks itself in flight; bulk work (each
 * bulk-job item, each bulk-lane message) asks to start. While no interactive work is in flight
 * (nor was within `lingerMs`), bulk starts at once; otherwise it queues, and the queue lets one
 * start through every `bulkIntervalMs` of a busy period (oldest first), so bulk never starves,
 * and all of it once interactive work stops. Waiting happens before the bulk work does anything, so a crash
 * while waiting leaves it exactly where the queue or the job's checkpoints already put it.
 *
 * In-process only: it orders the work that shares this process's CPU, connection pool and event
 * loop; other processes are not seen (see the ADR for the production shape).
 */
export class PriorityGate {
  private inFlight = 0;
  private lastInteractiveEnd = Number.NEGATIVE_INFINITY;
  private lastPacedRelease = Number.NEGATIVE_INFINITY;
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly options: PriorityGateOptions,
    private readonly metrics: PriorityGateMetrics | null = null,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `work` as interactive: bulk work waits while it runs (and `lingerMs` after). */
  async interactive<T>(kind: InteractiveKind, work: () => Promise<T>): Promise<T> {
    const end = this.begin(kind);
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Marks interactive work in flight until the returned function is called (once; later calls do nothing). */
  begin(kind: InteractiveKind): () => void {
    // A busy period starts: the first paced bulk start is one interval away, not immediate.
    if (!this.busy()) this.lastPacedRelease = this.now();
    this.inFlight += 1;
    this.metrics?.interactiveInFlight.inc();
    this.metrics?.interactiveWork.inc({ kind });
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
      this.metrics?.interactiveInFlight.dec();
      this.lastInteractiveEnd = this.now();
      if (this.inFlight === 0) this.pump();
    };
  }

  /** Resolves when bulk work of this kind may start: at once when nothing interactive is in flight. */
  async admitBulk(kind: BulkKind): Promise<void> {
    if (!this.options.enabled || (this.waiters.length === 0 && !this.busy())) {
      this.metrics?.bulkWaits.inc({ kind, outcome: 'none' });
      return;
    }
    await new Promise<void>((release) => {
      this.waiters.push({ kind, since: this.now(), release });
      this.pump();
    });
  }

  /** Interactive work in flight and bulk starts waiting, for tests and logs. */
  state(): { interactive: number; waiting: number } {
    return { interactive: this.inFlight, waiting: this.waiters.length };
  }

  private busy(): boolean {
    return this.inFlight > 0 || this.now() - this.lastInteractiveEnd < this.options.lingerMs;
  }

  /** Lets through what may start now, and sets a timer for the next moment something may. */
  private pump(): void {
    if (this.waiters.length === 0) return this.clearTimer();
    const now = this.now();
    if (!this.busy()) {
      for (const w of this.waiters.splice(0)) this.release(w, 'after_interactive', now);
      return this.clearTimer();
    }
    if (now - this.lastPacedRelease >= this.options.bulkIntervalMs) {
      this.lastPacedRelease = now;
      this.release(this.waiters.shift() as Waiter, 'paced', now);
      if (this.waiters.length === 0) return this.clearTimer();
    }
    const nextPaced = this.lastPacedRelease + this.options.bulkIntervalMs;
    const idleAt = this.inFlight === 0 ? this.lastInteractiveEnd + this.options.lingerMs : Number.POSITIVE_INFINITY;
    this.schedule(Math.min(nextPaced, idleAt) - now);
  }

  private release(w: Waiter, outcome: 'paced' | 'after_interactive', now: number): void {
    this.metrics?.bulkWaits.inc({ kind: w.kind, outcome });
    this.metrics?.bulkWaitSeconds.observe({ kind: w.kind }, (now - w.since) / 1000);
    w.release();
  }

  private schedule(delayMs: number): void {
    const at = this.now() + Math.max(0, delayMs);
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    // +1: a timer may fire a fraction of a millisecond before the clock reaches `at`.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.ceil(Math.max(0, delayMs)) + 1);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }
}
