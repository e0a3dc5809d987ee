import { pino, type Logger } from 'pino';
import type { Config } from '../../configs/config.js';

export type { Logger };

/** Structured JSON logs; request and message ids ride along as child-logger bindings. */
export function createLogger(config: Pick<Config, 'service'>): Logger {
  return pino({
    name: config.service.name,
    level: config.service.log_level,
    base: { service: config.service.name, env: config.service.env },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // A customer's push token is an address to their device: never in a log (core/notification masks it where it names a recipient).
    redact: { paths: ['*.api_key', '*.authorization', '*.secret', 'headers.authorization', 'push_token', '*.push_token', '*.*.push_token'], remove: true },
  });
}
