import { isAppError } from '../../domain/errors.js';
import type { Logger } from '../../platform/logger.js';

export interface DependencyProbe {
  name: string;
  check(): Promise<void>;
}

/**
 * Pauses a worker's listeners while a store it needs is down. A handler failing with
 * `dependency_unavailable` closes the gate; from then on every listener waits before its next
 * receive, instead of receiving messages only to fail them (each failure burns one of the
 * queue's receives, and the last one dead-letters a message that would have succeeded). The
 * probes (the readiness checks) run every `intervalMs`; when all answer, the gate opens again.
 */
export class DependencyWatch {
  private down: Promise<void> | null = null;

  constructor(
    private readonly probes: DependencyProbe[],
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  get paused(): boolean {
    return this.down !== null;
  }

  /** Resolves at once while every dependency is up, else when they are all back. */
  whenUp(): Promise<void> {
    return this.down ?? Promise.resolve();
  }

  /** A handler's failure: a dependency one pauses the listeners until the probes pass. */
  report(err: unknown): void {
    if (this.down || !isAppError(err) || err.code !== 'dependency_unavailable') return;
    this.down = this.probeUntilUp(err.message).finally(() => (this.down = null));
  }

  private async probeUntilUp(reason: string): Promise<void> {
    const started = Date.now();
    this.logger.warn({ reason }, 'a dependency is unavailable: listeners paused');
    for (;;) {
      await new Promise((r) => setTimeout(r, this.intervalMs));
      const failing = (await Promise.all(this.probes.map((p) => withTimeout(p.check(), this.intervalMs * 3).then(() => null, () => p.name)))).filter((n) => n !== null);
      if (failing.length === 0) break;
      if (Date.now() - started > 10_000 && (Date.now() - started) % 10_000 < this.intervalMs) this.logger.warn({ failing }, 'listeners still paused');
    }
    this.logger.info({ paused_ms: Date.now() - started }, 'dependencies are back: listeners resumed');
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return Promise.race([p, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
