import { sendsBearerToken } from '@rallyboard/core/config';
import { AppError } from '@rallyboard/core/protocol';
import { Router } from 'express';
import { whenAvailable } from '../lib/when-available.js';
import { createMetrics, type MetricsDeps } from './service.js';

export interface MetricsRouteDeps extends MetricsDeps {
  config: { metrics: { token: string | undefined } };
}

/**
 * `GET /metrics`: Prometheus text for operators (dead-lettered votes by board, the votes queue's
 * jobs and lag; docs/architecture.md). Only with METRICS_TOKEN set, and only for a request that
 * sends it as a bearer token (else 401 UNAUTHENTICATED); unset, no route exists and /metrics
 * answers 404 like any unknown address, so a deployment exposes nothing it did not ask for.
 */
export function metricsRouter(deps: MetricsRouteDeps): Router {
  const router = Router();
  const token = deps.config.metrics.token;
  if (token === undefined) return router;
  const metrics = createMetrics(deps);
  router.get('/metrics', async (req, res) => {
    if (!sendsBearerToken(req.get('authorization'), token)) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new AppError('UNAUTHENTICATED', {
        message: 'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".',
      });
    }
    const body = await whenAvailable(() => metrics.render());
    res.set('cache-control', 'no-store').type(metrics.contentType).send(body);
  });
  return router;
}
