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
    redact: { paths: ['*.api_key', '*.authorization', '*.secret', 'headers.authorization'], remove: true },
  });
}
