import { describe, expect, it } from 'vitest';
import { openPage } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { randomId, testConfig } from '../support/config.js';
import { signInToConsole, useConsoleStack } from '../support/console.js';

// 我的活动 in Chromium for a host with more campaigns than a page of the API holds (100): the
// first page, then 加载更多 for the rest, until there is no more.
const config = testConfig();
const stack = useConsoleStack(config);

describe('the campaign list', () => {
  it('shows every campaign of a host with more than a page of them, with 加载更多', async () => {
    const titles = Array.from({ length: 105 }, (_, i) => `活动 ${String(i + 1).padStart(3, '0')}`);
    for (const title of titles) {
      await createLiveCampaign(stack.server.deps.mongo, randomId('c'), { createdBy: stack.host.id, title });
    }
    const { page, context, errors } = await openPage(stack.browser, `${stack.server.url}/console`);
    page.setDefaultTimeout(8_000);
    await signInToConsole(page, stack.host.username);
    const rows = page.locator('#campaign-list tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(100);
    // Newest first: the five oldest are on the next page.
    expect(await rows.first().locator('a').textContent()).toBe('活动 105');

    const more = page.getByRole('button', { name: '加载更多' });
    await more.click();
    await expect.poll(() => rows.count()).toBe(105);
    expect(await more.isHidden()).toBe(true);
    const shown = await page.locator('#campaign-list tbody tr a').allTextContents();
    expect([...shown].sort()).toEqual(titles);
    expect(errors).toEqual([]);
    await context.close();
  });
});
