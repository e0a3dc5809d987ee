import { pino } from 'pino';
import { ConfigError, loadConfig, type Config } from '../../configs/config.js';
import { AppError } from '../../core/domain/errors.js';
import type { Logger } from '../../core/platform/logger.js';
import { buildContainer, type Container } from '../container.js';
import { connectPlatform } from '../../core/platform/platform.js';

/**
 * One operator command's access to the OMS: the same configuration and the same container the
 * server builds (stores connected, no HTTP, no listeners, no background tasks), closed after.
 * Logs go to stderr at warn and above (LOG_LEVEL=debug shows more), so stdout is the answer only.
 */
export async function withContainer<T>(run: (container: Container, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const platform = await connectPlatform(config, cliLogger(config), { ensureResources: false });
  try {
    return await run(await buildContainer(platform), config);
  } finally {
    await platform.close();
  }
}

export function cliLogger(config: Config): Logger {
  const verbose = ['debug', 'trace'].includes(config.service.log_level);
  return pino({ level: config.service.log_level === 'silent' ? 'silent' : verbose ? config.service.log_level : 'warn' }, pino.destination(2));
}

/**
 * The one line an operator sees when a command fails (no stack trace), and its exit code:
 * 2 for bad input, 1 for anything else (an unreachable store, a missing tenant...).
 */
export function failureLine(err: unknown): { line: string; code: number } {
  if (err instanceof ConfigError) return { line: `oms: ${err.message.replace(/\n\s*/g, ' ')}`, code: 2 };
  if (err instanceof AppError) {
    const fields = Array.isArray(err.details) ? `: ${err.details.map((d) => `${d.field} ${d.message}`).join('; ')}` : '';
    const cause = err.cause instanceof Error ? ` (${oneLine(err.cause)})` : '';
    return { line: `oms: ${err.message}${fields}${cause}`, code: err.code === 'validation_failed' ? 2 : 1 };
  }
  return { line: `oms: ${err instanceof Error ? oneLine(err) : String(err)}`, code: 1 };
}

function oneLine(err: Error): string {
  const message = err.message || err.name;
  // AggregateError (e.g. ECONNREFUSED on ::1 and 127.0.0.1) keeps the useful part in its errors.
  const inner = (err as Partial<AggregateError>).errors?.[0] as Error | undefined;
  return (message || inner?.message || 'unknown error').split('\n')[0] as string;
}
