import type { Config, ListenerName } from '../../../configs/config.js';
import { QUEUES, type QueueKey } from '../../../localstack/resources.js';
import { Listener, type ListenerDeps, type MessageHandler } from './listener.js';

export interface ListenerRegistration {
  queue: QueueKey;
  handler: MessageHandler;
}

/**
 * The worker process: one Listener per enabled queue (config `workers.<listener>`), started and
 * stopped together, like the Go service's listener server.
 */
export class ListenerServer {
  readonly listeners: Listener[] = [];

  constructor(registrations: ListenerRegistration[], config: Pick<Config, 'workers'>, deps: ListenerDeps, overrides: { waitTimeSeconds?: number } = {}) {
    for (const { queue, handler } of registrations) {
      const def = QUEUES[queue];
      const listenerName = def.listener as ListenerName;
      const settings = config.workers[listenerName];
      if (!settings.enabled) continue;
      this.listeners.push(
        new Listener(
          listenerName,
          deps.queues.name(queue),
          deps.queues.dlqName(queue),
          handler,
          {
            workerCount: settings.worker_count,
            concurrencyPerWorker: settings.concurrency_per_worker,
            visibilityTimeoutS: def.visibilityTimeoutS,
            fifo: def.fifo,
            ...overrides,
          },
          deps,
        ),
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.start()));
  }

  async stop(timeoutMs?: number): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.stop(timeoutMs)));
  }
}
