import { type Logger, pino } from 'pino';
import type { Config } from './config/index.js';

/** Structured JSON logs, one line per event, tagged with the process role and instance. */
export function createLogger(config: Pick<Config, 'logLevel'>, role: string, instanceId: string): Logger {
  return pino({
    level: config.logLevel,
    base: { role, instance: instanceId },
    redact: {
      paths: ['*.session_key', 'session_key', '*.authorization', 'req.headers.authorization'],
      remove: true,
    },
  });
}

export type { Logger };
