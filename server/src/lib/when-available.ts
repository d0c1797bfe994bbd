import { AppError } from '@rallyboard/core/protocol';

/**
 * Runs a call to Redis or the queue. A catalogue error passes through as it is; anything else
 * means the store could not answer, which the client sees as a retryable 503
 * SERVICE_UNAVAILABLE rather than a 500.
 */
export async function whenAvailable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
  }
}
