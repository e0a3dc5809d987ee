import type { Command } from 'commander';
import { AppError } from '../../core/domain/errors.js';
import type { OutputOptions } from './output.js';
import { failureLine } from './session.js';

/**
 * Wraps a command's action: hands it its options and the global output options, and turns any
 * failure into one line on stderr and a non-zero exit code (see failureLine).
 */
export function action<O>(run: (opts: O, out: OutputOptions, args: string[]) => Promise<void>) {
  return async (...received: unknown[]): Promise<void> => {
    const command = received[received.length - 1] as Command;
    const args = received.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const all = command.optsWithGlobals<O & { json?: boolean }>();
    try {
      await run(all, { json: Boolean(all.json) }, args);
    } catch (err) {
      const { line, code } = failureLine(err);
      console.error(line);
      process.exitCode = code;
    }
  };
}

/** Numbers are checked by the same schemas the API uses; NaN reaches them and is refused there. */
export function number(raw: string): number {
  return raw.trim() === '' ? Number.NaN : Number(raw);
}

export function requiredTenant(tenant: string | undefined): string {
  if (!tenant || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) throw AppError.validation([{ field: 'tenant', message: 'a tenant id (letters, digits, _ and -)' }]);
  return tenant;
}
