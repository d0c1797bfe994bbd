import type { Logger } from '@rallyboard/core/logger';
import { type Ack, AppError } from '@rallyboard/core/protocol';

/** Renders a handler's outcome as an ack: `{ data }` or a catalogue `{ error }`. */
export async function answer<T>(logger: Logger, work: () => Promise<T>): Promise<Ack<T>> {
  try {
    return { data: await work() };
  } catch (error) {
    if (error instanceof AppError) return error.toBody();
    logger.error({ err: error }, 'socket handler failed');
    return new AppError('INTERNAL').toBody();
  }
}
