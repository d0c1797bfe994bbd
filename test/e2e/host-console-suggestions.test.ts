import type { SuggestionView } from '@rallyboard/core/protocol';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asHost,
  entrant,
  env,
  fx,
  submit,
  useEntriesEnv,
} from '../../server/test/entries/entries-fixture.js';
import { bindWeChat } from '../../server/test/support/hosts.js';
import { launchChromium, openPage, screenshot } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { randomId } from '../support/config.js';
import { signInToConsole } from '../support/console.js';
import { eventually } from '../support/stack.js';

// A suggestion box (政务建议) in the console, in Chromium: approved suggestions on the 建议进度
// board, one moved to 研究中 and then 已采纳 with a public reply, its timeline showing each step.
useEntriesEnv();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  // A public reply passes WeChat's text check as the host's bound WeChat user.
  await bindWeChat(env.server, fx.host, env.fake);
});
afterAll(async () => {
  await browser?.close();
});

describe("the host console's suggestion board", () => {
  it('moves a suggestion forward with a public reply, and shows its timeline', async () => {
    const campaignId = randomId('c');
    await createLiveCampaign(env.mongo, campaignId, {
      createdBy: fx.host.id,
      kind: 'like',
      title: '社区议事厅',
    });
    await asHost('PUT', `/api/campaigns/${campaignId}/entry-settings`, {
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 86_400_000).toISOString(),
      purpose: 'suggestions',
      approval: 'auto',
      perParticipant: 2,
    });
    const who = await entrant();
    await submit(who, campaignId, { title: '东门加装路灯', text: '晚上东门太暗，老人出行不便', images: [] });
    await submit(who, campaignId, { title: '增设快递柜', images: [] });
    await eventually(async () => {
      const res = await fetch(`${env.server.url}/api/campaigns/${campaignId}/suggestions`);
      return ((await res.json()) as { suggestions: SuggestionView[] }).suggestions.length === 2;
    });

    const { page, context, errors } = await openPage(browser, `${env.server.url}/console`);
    await signInToConsole(page, fx.host.username);
    await page.goto(`${env.server.url}/console#/campaigns/${campaignId}/entries`);
    const board = page.locator('#suggestion-board');
    const lamp = board.locator('li.suggestion', { hasText: '东门加装路灯' });
    await lamp.waitFor();
    expect(await board.locator('li.suggestion').count()).toBe(2);
    expect(await lamp.locator('.badge').textContent()).toBe('已受理');

    await page.getByLabel('「东门加装路灯」的新进度').selectOption('under-study');
    await lamp.getByRole('button', { name: '更新进度' }).click();
    await lamp.locator('.badge', { hasText: '研究中' }).waitFor();
    await page.getByLabel('「东门加装路灯」的新进度').selectOption('adopted');
    await page.getByLabel('「东门加装路灯」的公开答复').fill('已列入明年小区改造计划，预计三月完工');
    await lamp.getByRole('button', { name: '更新进度' }).click();
    await lamp.locator('.badge', { hasText: '已采纳' }).waitFor();
    expect(await lamp.locator('.timeline li strong').allTextContents()).toEqual([
      '已受理',
      '研究中',
      '已采纳',
    ]);
    expect(await lamp.locator('.timeline .reply').allTextContents()).toEqual([
      '已列入明年小区改造计划，预计三月完工',
    ]);
    // A suggestion at its end offers no further move.
    expect(await lamp.getByRole('button', { name: '更新进度' }).count()).toBe(0);
    await screenshot(page, 'console-suggestion-timeline');
    expect(errors).toEqual([]);
    await context.close();
  });
});
