import { AppError } from '@rallyboard/core/protocol';
import { isStoreUnavailable } from '@rallyboard/core/queue';

/**
 * The same answer for an error a call let through unwrapped, when it says a store could not
 * answer (isStoreUnavailable); undefined for any other. HTTP's error handler and the socket
 * handlers' acks both ask it.
 */
export function storeOutage(error: unknown): AppError | undefined {
  return isStoreUnavailable(error) ? new AppError('SERVICE_UNAVAILABLE', { cause: error }) : undefined;
}

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
