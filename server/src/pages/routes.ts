import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppError } from '@rallyboard/core/protocol';
import express, { type Response, Router } from 'express';
import { z } from 'zod';
import { campaignParams } from '../campaigns/params.js';
import type { Api } from '../http/api.js';

/**
 * The web pages' build output (scripts/web/build.ts), found from this file: server/src/pages
 * under tsx, server/dist/pages in the image; both are three levels below the root.
 */
const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * `?token=`: a screen link from before the token moved to the fragment (`#token=`). Still taken,
 * for old links: the page moves it to the fragment at once, and the access log masks it.
 */
const screenPageQuery = z.object({ token: z.string().max(2_048).optional() });

function sendPage(res: Response, page: string): void {
  const file = `${WEB_DIST}${page}.html`;
  // A clone that never ran `npm start`/`npm test` (or `npm run web:build`) has no build yet.
  if (!existsSync(file)) {
    throw new AppError('SERVICE_UNAVAILABLE', {
      message: 'The web pages are not built: run npm run web:build.',
    });
  }
  // The page is a shell whose scripts fetch everything live: never cache a stale one.
  res.set('cache-control', 'no-cache').type('html').sendFile(file);
}

/** A source map of the bundles: it would hand out our sources as written, comments and all. */
const SOURCE_MAP = /\.map$/i;

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // express.static refuses a malformed path itself
  }
}

/**
 * The web pages: their built assets under `/web/`, and one HTML route per page. The page is the
 * same shell for every campaign; the campaign id is in its path, which the page reads. In
 * production no source map is served, even if the build that was deployed kept them (only
 * `npm run web:build` leaves them out: scripts/web/build.ts).
 */
export function webRouter(deps: { api: Api; config: { env: string } }): Router {
  const router = Router();
  if (deps.config.env === 'production') {
    router.use('/web', (req, _res, next) => {
      // express.static decodes the path: `console.js%2Emap` is the map too.
      if (SOURCE_MAP.test(decodedPath(req.path))) throw new AppError('NOT_FOUND');
      next();
    });
  }
  router.use(
    '/web',
    express.static(WEB_DIST, {
      index: false,
      fallthrough: true,
      // Names are not content-hashed: revalidate, which costs a 304 at most.
      cacheControl: true,
      maxAge: 0,
    }),
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/screen/:campaignId',
      tag: 'Screen',
      summary: 'The big screen of a campaign (HTML page)',
      description:
        'The live ranking for a venue screen. An unlisted campaign needs `#token=` (in the fragment, ' +
        'which the browser never sends), a screen token from POST /api/campaigns/:campaignId/screen-token; ' +
        'the page sends it in the X-Screen-Token header and in screen:subscribe. An old link with ' +
        '`?token=` still opens: the page moves the token to the fragment.',
      auth: 'public',
      params: campaignParams,
      query: screenPageQuery,
      responses: { 200: { description: 'The page.', contentType: 'text/html' } },
    },
    async (_input, _req, res) => sendPage(res, 'screen'),
  );

  deps.api.route(
    router,
    {
      method: 'get',
      path: '/console',
      tag: 'Console',
      summary: 'The host console (HTML page)',
      description:
        'Hosts sign in, create and edit campaigns, run their lifecycle, watch the live monitor, review held ' +
        'votes and export CSV. One page: its views are addressed by the URL fragment (`#/campaigns/…`), ' +
        'and every read and change goes through the API with the host token (docs/console.md).',
      auth: 'public',
      responses: { 200: { description: 'The page.', contentType: 'text/html' } },
    },
    async (_input, _req, res) => sendPage(res, 'console'),
  );
  return router;
}
