import type { Logger } from '../platform/logger.js';

export interface PeriodicTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
  /** One pass, awaited (tests and the bench call it directly). */
  runOnce(): Promise<void>;
}

/** Runs `pass` every `intervalMs`, never two passes at once; a failing pass is logged and retried next time. */
export function periodicTask(name: string, intervalMs: number, pass: () => Promise<void>, logger: Logger): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const runOnce = (): Promise<void> => {
    running ??= pass()
      .catch((err) => logger.warn({ err, task: name }, 'background pass failed'))
      .finally(() => {
        running = null;
      });
    return running;
  };
  return {
    name,
    runOnce,
    start() {
      timer ??= setInterval(() => void runOnce(), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
