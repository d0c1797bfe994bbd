import type { Logger } from '@rallyboard/core/logger';
import type { RequestHandler } from 'express';

/**
 * A query parameter that holds a secret or can be replayed: a token (`token`, `screenToken`,
 * `access_token`…), and a WeChat push's signature, nonce and echo (`signature`, `msg_signature`,
 * `nonce`, `echostr`): with a fresh timestamp, a logged signature would sign a forged push.
 */
const TOKEN_PARAM = /([?&](?:[^=&#]*token[^=&#]*|signature|msg_signature|nonce|echostr)=)[^&#]*/gi;

/**
 * The request's address as the log shows it: a secret's value in the query string is replaced.
 * No route takes a token there any more (screens send theirs in a header), but an old screen
 * link (`/screen/:id?token=…`) still arrives that way, and logs outlive tokens. Every log line
 * that names a request's address uses it (the access log, the error handler's failed request).
 */
export const loggedUrl = (url: string): string =>
  url.includes('?') ? url.replace(TOKEN_PARAM, '$1[redacted]') : url;

/**
 * One log line per answered request, at a level by outcome: `debug` for successes, `info` for
 * 4xx, `error` for 5xx. Ingest answers thousands of requests a second, so nothing is built for a
 * line the logger would drop: the level is checked first.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.url === '/healthz') {
      next();
      return;
    }
    const started = performance.now();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          method: req.method,
          url: loggedUrl(req.originalUrl),
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ip: req.ip,
        },
        'request answered',
      );
    });
    next();
  };
}
