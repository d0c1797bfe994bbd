import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from './config/index.js';

/**
 * Structured JSON logs, one line per event, tagged with the process role and instance.
 * @param destination where the lines go (a test keeps them to read); @default stdout
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  role: string,
  instanceId: string,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { role, instance: instanceId },
    redact: {
      paths: ['*.session_key', 'session_key', '*.authorization', 'req.headers.authorization'],
      remove: true,
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export type { Logger };
