import type { Page, Route } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { openConsoleAt, useConsoleStack } from '../support/console.js';
import { REWARD_FORMS } from '../support/reward-forms.js';
import { seedBoard } from '../support/stack.js';

// The 奖励 tab's forms in Chromium, each add held in flight (as a lottery's WeChat text check
// holds it for seconds): a double click or Enter sends one request, the button waits while it is
// on its way, and comes back after a failure so the host can try again.
const config = testConfig();
const stack = useConsoleStack(config);
let campaignId: string;

beforeAll(async () => {
  campaignId = await seedBoard(config, stack.server.deps.redis, stack.server.deps.mongo, ['alice', 'bob']);
  // A draft: every form on the tab is open.
  await createLiveCampaign(stack.server.deps.mongo, campaignId, {
    createdBy: stack.host.id,
    status: 'draft',
  });
});

/**
 * Holds the page's POSTs to `path` until `release`, then answers each 503: the adds the page sent
 * are counted, and none reaches the server.
 */
async function holdAdds(page: Page, path: string) {
  const url = `${stack.server.url}/api/campaigns/${campaignId}${path}`;
  let posts = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(url, async (route: Route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    posts += 1;
    await released;
    await route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'Try again.' } }),
    });
  });
  return { posts: () => posts, release };
}

describe('the 奖励 tab’s add buttons', () => {
  it.each(REWARD_FORMS)(
    '$form: one add per double click or Enter while it is in flight, and a retry after a failure',
    async (spec) => {
      const { page, context } = await openConsoleAt(
        stack.browser,
        stack.server.url,
        stack.host.username,
        `/campaigns/${campaignId}/rewards`,
        { name: '奖励规则' },
      );
      const form = page.getByRole('form', { name: spec.form });
      await form.waitFor();
      const last = await spec.fill(form);
      const held = await holdAdds(page, spec.path);
      const button = form.getByRole('button', { name: spec.button });

      await button.dblclick();
      await last.press('Enter');
      await expect.poll(held.posts).toBe(1);
      expect(await button.isDisabled()).toBe(true);
      // Whatever else was queued behind the first click has had its chance to go.
      await page.waitForTimeout(300);
      expect(held.posts()).toBe(1);

      held.release();
      await expect.poll(() => button.isEnabled()).toBe(true);
      expect(held.posts()).toBe(1);
      await button.click();
      await expect.poll(held.posts).toBe(2);
      await context.close();
    },
  );
});
