/**
 * Errors that mean a store (MongoDB or Redis) is unreachable or not serving for now, rather than
 * that the work itself is wrong: a closed or refused connection, a timeout, no server to select,
 * a Redis still loading its data. Work that meets one should wait and try again, for as long as
 * the outage lasts; anything else may be a bug, and retrying it for ever would hide it.
 */
const MONGO_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);
const MONGO_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError'];
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
const MESSAGES = [
  // mongoose, when the connection is down and commands are buffered
  /buffering timed out/,
  // ioredis: a command on a closed or offline connection, a command timeout
  /^Connection is closed\.?$/,
  /Stream isn't writeable/,
  /^Command timed out$/,
  // Redis replies while it cannot serve: loading, busy scripts, failover
  /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/,
];

function isOutageItself(error: object): boolean {
  const name = Reflect.get(error, 'name');
  if (typeof name === 'string' && (MONGO_NAMES.has(name) || name === 'MaxRetriesPerRequestError'))
    return true;
  const code = Reflect.get(error, 'code');
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  const hasLabel = Reflect.get(error, 'hasErrorLabel');
  if (typeof hasLabel === 'function' && MONGO_LABELS.some((l) => hasLabel.call(error, l) === true))
    return true;
  const message = Reflect.get(error, 'message');
  return typeof message === 'string' && MESSAGES.some((m) => m.test(message));
}

/** True when `error`, or an error it was caused by or wraps, says a store is unreachable for now. */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if (isOutageItself(current)) return true;
    // The driver's bulk error (an insertMany's) keeps the error it wraps as its errorResponse.
    const wrapped: unknown = Reflect.get(current, 'errorResponse');
    current = wrapped instanceof Error ? wrapped : Reflect.get(current, 'cause');
  }
  return false;
}
