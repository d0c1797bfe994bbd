import type { Logger } from '@rallyboard/core/logger';
import { type Ack, AppError } from '@rallyboard/core/protocol';
import { storeOutage } from '../lib/when-available.js';

/**
 * Renders a handler's outcome as an ack: `{ data }` or a catalogue `{ error }`. A store that could
 * not answer (storeOutage: MongoDB or Redis unreachable, a command timeout) is a retryable
 * SERVICE_UNAVAILABLE, as HTTP's error handler answers it; anything else unexpected a bare
 * INTERNAL. Both are logged, as HTTP logs its 5xx (until 2026-12-08 a store error was INTERNAL).
 */
export async function answer<T>(logger: Logger, work: () => Promise<T>): Promise<Ack<T>> {
  try {
    return { data: await work() };
  } catch (error) {
    if (error instanceof AppError) return error.toBody();
    logger.error({ err: error }, 'socket handler failed');
    return (storeOutage(error) ?? new AppError('INTERNAL')).toBody();
  }
}
