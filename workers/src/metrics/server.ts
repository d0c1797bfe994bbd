import { createServer, type Server, type ServerResponse } from 'node:http';
import { sendsBearerToken } from '@rallyboard/core/config';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** The bearer token a scrape must send (METRICS_TOKEN, as the server's /metrics). */
  token: string;
}

function answerJson(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * The workers' small metrics port: `GET /metrics` in the Prometheus text format, to a scraper
 * that sends the metrics token; anything else answers 404 (or 401 without the token), as JSON
 * errors like the server's. Resolves once listening, with the address it took.
 */
export async function startMetricsServer(
  registry: Registry,
  options: MetricsServerOptions,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      answerJson(res, 404, 'NOT_FOUND', 'Only GET /metrics is served here.');
      return;
    }
    if (!sendsBearerToken(req.headers.authorization, options.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      answerJson(
        res,
        401,
        'UNAUTHENTICATED',
        'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".',
      );
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      () => answerJson(res, 500, 'INTERNAL', 'The metrics could not be rendered.'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : options.port };
}
