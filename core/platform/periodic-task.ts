import type { Logger } from '../platform/logger.js';

export interface PeriodicTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
  /**
   * One pass that starts after this call, awaited: a pass already running (it may have read
   * the state before the caller changed it) is waited out first. Tests and the bench call it.
   */
  runOnce(): Promise<void>;
}

/** Runs `pass` every `intervalMs`, never two passes at once; a failing pass is logged and retried next time. */
export function periodicTask(name: string, intervalMs: number, pass: () => Promise<void>, logger: Logger): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  /** A pass unless one is running (the timer's tick: never two at once). */
  const tick = (): Promise<void> => {
    running ??= pass()
      .catch((err) => logger.warn({ err, task: name }, 'background pass failed'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const runOnce = async (): Promise<void> => {
    // A pass that began before this call may have read the state before the caller changed it.
    while (running) await running;
    return tick();
  };
  return {
    name,
    runOnce,
    start() {
      timer ??= setInterval(() => void tick(), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
