import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import type { Api } from './api.js';
import { openApiDocument } from './openapi/document.js';

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const VERSION = (require('../../package.json') as { version: string }).version;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rallyboard API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  defaultModelsExpandDepth: 0,
});
`;

/**
 * The API docs: `GET /api/openapi.json`, built from the routes' own zod schemas, and a browsable
 * page at `GET /api/docs` (Swagger UI, served from the package, so it works offline).
 */
export function docsRouter(api: Api, publicUrl: string): Router {
  const router = Router();
  let document: unknown;
  router.get('/api/openapi.json', (_req, res) => {
    document ??= openApiDocument(api.routes, { version: VERSION, serverUrl: publicUrl });
    res.json(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').set('Cache-Control', 'no-cache').send(PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('js').send(INIT);
  });
  router.use('/api/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1d' }));
  return router;
}
