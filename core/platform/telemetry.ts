import type { Config } from '../../configs/config.js';
import type { Logger } from './logger.js';

/**
 * New Relic facade. With no licence key (or NEW_RELIC_ENABLED=false) the agent is never loaded
 * and every call is a plain local operation, so dev and tests need no New Relic at all.
 */
export interface Telemetry {
  backgroundTransaction<T>(name: string, group: string, fn: () => Promise<T>): Promise<T>;
  noticeError(err: unknown, attributes?: Record<string, string | number | boolean>): void;
  recordEvent(type: string, attributes: Record<string, string | number | boolean>): void;
  readonly enabled: boolean;
}

interface NewRelicApi {
  startBackgroundTransaction(name: string, group: string, handle: () => unknown): unknown;
  noticeError(err: Error, attributes?: Record<string, string | number | boolean>): void;
  recordCustomEvent(type: string, attributes: Record<string, string | number | boolean>): void;
}

export async function createTelemetry(config: Config['newrelic'], logger: Logger): Promise<Telemetry> {
  if (!config.enabled || !config.license_key) return new LocalTelemetry(logger);
  const mod = (await import('newrelic')) as unknown as { default?: NewRelicApi } & NewRelicApi;
  const agent = mod.default ?? mod;
  logger.info({ app: config.app_name }, 'new relic agent enabled');
  return {
    enabled: true,
    backgroundTransaction: <T>(name: string, group: string, fn: () => Promise<T>) =>
      agent.startBackgroundTransaction(name, group, fn) as Promise<T>,
    noticeError: (err, attributes) => agent.noticeError(err instanceof Error ? err : new Error(String(err)), attributes),
    recordEvent: (type, attributes) => agent.recordCustomEvent(type, attributes),
  };
}

/** Keeps what New Relic would have received in the logs (and counts them, for tests). */
export class LocalTelemetry implements Telemetry {
  readonly enabled = false;
  readonly noticed: { err: unknown; attributes: Record<string, string | number | boolean> }[] = [];

  constructor(private readonly logger: Logger) {}

  backgroundTransaction<T>(_name: string, _group: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  noticeError(err: unknown, attributes: Record<string, string | number | boolean> = {}): void {
    this.noticed.push({ err, attributes });
    if (this.noticed.length > 1000) this.noticed.shift(); // the latest thousand, for tests
    this.logger.warn({ err, ...attributes }, 'noticed error');
  }

  recordEvent(type: string, attributes: Record<string, string | number | boolean>): void {
    this.logger.debug({ event_type: type, ...attributes }, 'custom event');
  }
}
