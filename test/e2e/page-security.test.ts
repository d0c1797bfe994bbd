import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost } from '../../server/test/support/hosts.js';
import { launchChromium } from '../support/browser.js';
import { testConfig } from '../support/config.js';
import { startTestServer, type TestServer } from '../support/stack.js';

// The pages that are not ours to write, under our Content-Security-Policy: Swagger UI and
// bull-board still work. (The console and the big screen are checked by their own browser tests,
// which fail on any console error, a refused script or style among them.)
const config = testConfig();
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(config), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh context whose pages record every CSP violation and console error. */
async function recordingContext(): Promise<{ context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const problems: string[] = [];
  await context.exposeBinding('reportViolation', (_source, text: string) => {
    problems.push(text);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportViolation(text: string): void }).reportViolation;
      report(`csp: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  context.on('page', (page) => {
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  });
  return { context, problems };
}

describe('pages under the Content-Security-Policy, in Chromium', () => {
  it('the API docs (Swagger UI) load the document and show its operations', async () => {
    const { context, problems } = await recordingContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("bull-board shows the queues to an admin, with only Google's fonts refused", async () => {
    const admin = await createTestHost(server, 'admin');
    const res = await fetch(`${server.url}/api/admin/queue-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const [name, value] = ((res.headers.get('set-cookie') ?? '').split(';')[0] ?? '').split('=');
    const { context, problems } = await recordingContext();
    try {
      await context.addCookies([
        { name: name ?? '', value: value ?? '', url: `${server.url}/admin/queues/` },
      ]);
      const page = await context.newPage();
      await page.goto(`${server.url}/admin/queues/`);
      await page.getByText('votes 投票').first().waitFor({ timeout: 15_000 });
      await page.getByText('campaigns 排期').first().waitFor();
      // bull-board's page asks for IBM Plex from Google: refused on purpose (docs/security.md).
      expect(problems.filter((p) => !p.includes('https://fonts.googleapis.com'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
