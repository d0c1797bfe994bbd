import type { RequestHandler } from 'express';
import type { HttpMetrics } from '../metrics/recorders.js';

/**
 * Counts every answered request and its latency by route pattern (`/api/boards/:boardId/votes`,
 * never the address itself, so a label never carries an id), method and status. A request no
 * route took (a 404, or one refused before routing) is `unmatched`.
 */
export function requestMetrics(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
      metrics.answered(route, req.method, res.statusCode, (performance.now() - started) / 1_000);
    });
    next();
  };
}
