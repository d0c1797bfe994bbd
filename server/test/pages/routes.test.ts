import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { startTestServer, type TestServer } from '../../../test/support/stack.js';
import { listenApp } from '../support/app.js';

const config = testConfig();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(config);
});
afterAll(async () => {
  await server?.close();
});

/** The status of a GET; the body is read, so that no connection is left open. */
async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

describe('the web pages’ assets', () => {
  // The tests' build (test/global-setup.ts) keeps its source maps, as `npm start`'s does.
  it('serve the source maps outside production', async () => {
    expect(await status(`${server.url}/web/console.js.map`)).toBe(200);
  });

  it('never serve a source map in production, even when the build left one', async () => {
    const production = await listenApp({ ...server.deps, config: { ...config, env: 'production' } });
    try {
      for (const page of ['console', 'screen']) {
        expect(await status(`${production.url}/web/${page}.js`)).toBe(200);
        expect(await status(`${production.url}/web/${page}.js.map`)).toBe(404);
        expect(await status(`${production.url}/web/${page}.css.map`)).toBe(404);
        expect(await status(`${production.url}/web/${page}.js%2Emap`)).toBe(404);
      }
    } finally {
      await production.close();
    }
  });
});
