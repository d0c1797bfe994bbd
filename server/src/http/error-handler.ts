import type { Logger } from '@rallyboard/core/logger';
import { AppError } from '@rallyboard/core/protocol';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { storeOutage } from '../lib/when-available.js';
import { loggedUrl } from './access-log.js';

/** express.json() marks its errors with a `type`; map those to catalogue codes. */
function fromBodyParser(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type: unknown = Reflect.get(error, 'type');
  if (type === 'entity.parse.failed') return new AppError('INVALID_JSON', { cause: error });
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', { cause: error });
  // A JSON body in a charset or content encoding we do not read (e.g. charset=latin1).
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', {
      message: 'Send the body as application/json in UTF-8, without a content encoding.',
      cause: error,
    });
  }
  // Any other client error body-parser raises is marked 4xx and `expose`: a body it could not
  // read, e.g. a gzip or br body that does not decompress (zlib's error, made a 400).
  const status: unknown = Reflect.get(error, 'status');
  const exposed = typeof type === 'string' || Reflect.get(error, 'expose') === true;
  if (exposed && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('INVALID_INPUT', { message: 'The request body could not be read.', cause: error });
  }
  return undefined;
}

/**
 * The router decodes path params with decodeURIComponent and passes on its URIError (marked 400)
 * when a segment has a broken %-escape, e.g. `/api/boards/%/totals`: the client's mistake.
 */
function fromRouter(error: unknown): AppError | undefined {
  if (!(error instanceof URIError) || Reflect.get(error, 'status') !== 400) return undefined;
  return new AppError('INVALID_INPUT', { message: 'The address has a broken %-escape.', cause: error });
}

/** Answers every unmatched route with NOT_FOUND from the catalogue. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('NOT_FOUND'));
};

/**
 * The one error middleware. Catalogue errors are answered as they are; a store that could not
 * answer, on a route that did not wrap its call in whenAvailable, is the same retryable 503
 * (storeOutage; until 2026-12-07 such a route answered INTERNAL, e.g. a screen's reveal when
 * Redis stalled after the reveal was saved); anything else is logged
 * with its stack and answered as a bare INTERNAL, so 5xx responses never leak internals.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known =
      error instanceof AppError ? error : (fromBodyParser(error) ?? fromRouter(error) ?? storeOutage(error));
    const appError = known ?? new AppError('INTERNAL', { cause: error });
    if (appError.status >= 500) {
      logger.error({ err: error, method: req.method, url: loggedUrl(req.originalUrl) }, 'request failed');
    }
    if (res.headersSent) return;
    const retryAfter: unknown = Reflect.get(Object(appError.details), 'retryAfterSeconds');
    if (typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
    // A store that did not answer (down, or stalled past the command timeout): try again soon.
    else if (appError.code === 'SERVICE_UNAVAILABLE') res.set('Retry-After', '1');
    const body =
      appError.status >= 500 && appError.code === 'INTERNAL'
        ? new AppError('INTERNAL').toBody()
        : appError.toBody();
    res.status(appError.status).json(body);
  };
}
