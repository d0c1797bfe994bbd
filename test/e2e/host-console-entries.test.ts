import { campaignModel } from '@rallyboard/core/db';
import type { ModerationEntry } from '@rallyboard/core/protocol';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asHost,
  entrant,
  entryCampaign,
  env,
  fx,
  submit,
  useEntriesEnv,
} from '../../server/test/entries/entries-fixture.js';
import { launchChromium, openPage, screenshot } from '../support/browser.js';
import { confirmInConsole, signInToConsole } from '../support/console.js';
import { jpegOf, pngOf } from '../support/images.js';
import { eventually } from '../support/stack.js';

// The console's 报名审核 tab, in Chromium: entries that passed WeChat's checks (the fake's, pushed
// back to the server) wait in the queue with their pictures, checks and origins, a page at a time
// (加载更多); the host rejects one with a reason and approves two, which become candidates.
useEntriesEnv();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the host console's entry moderation", () => {
  it('shows the queue with pictures and checks, and rejects and approves in bulk', async () => {
    const campaignId = await entryCampaign({ perParticipant: 2, maxImages: 2 });
    const farmDevice = 'device-farm-console';
    const entries = [
      await submit(await entrant(), campaignId, {
        title: '西湖晨雾',
        text: '清晨六点的断桥',
        images: [jpegOf(320, 240), pngOf(240, 240)],
      }),
      await submit(await entrant(farmDevice), campaignId, { title: '广告图', text: '加微信领红包' }),
      await submit(await entrant(farmDevice), campaignId, { title: '雷峰夕照', images: [jpegOf(300, 200)] }),
    ];
    await eventually(async () => {
      const queue = await asHost<{ entries: ModerationEntry[] }>(
        'GET',
        `/api/campaigns/${campaignId}/entries`,
      );
      return queue.body.entries.length === 3;
    });

    const { page, context, errors } = await openPage(browser, `${env.server.url}/console`);
    // Pages of two instead of fifty, so three entries make a second page.
    await page.route(/\/entries\?status=/, (route) =>
      route.continue({
        url: route
          .request()
          .url()
          .replace(/limit=\d+/, 'limit=2'),
      }),
    );
    await signInToConsole(page, fx.host.username);
    await page.goto(`${env.server.url}/console#/campaigns/${campaignId}/entries`);
    const rows = page.locator('#entries-queue tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    await page.locator('#entries-more').click();
    await eventually(async () => (await rows.count()) === 3);
    expect(await page.locator('#entries-more').isHidden()).toBe(true);
    expect(await page.locator('#entry-settings').isVisible()).toBe(true);
    const first = page.locator(`tr[data-entry="${entries[0]?.body.id}"]`);
    expect(await first.locator('.entry-checks').textContent()).toContain('文字：通过；图1：通过；图2：通过');
    // The pictures load from the server (same origin, unguessable addresses).
    await eventually(async () =>
      first.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)),
    );
    const farm = page.locator(`tr[data-entry="${entries[1]?.body.id}"] .entry-origin`);
    expect(await farm.textContent()).toContain('同设备 2 件');
    expect(await farm.getAttribute('class')).toContain('warn');
    await screenshot(page, 'console-entries');

    await page.getByLabel('选择「广告图」').check();
    await page.locator('#entries-reject').click();
    expect(await page.locator('#entries-note-error').textContent()).toContain('理由');
    await page.locator('#entries-note').fill('与活动主题无关');
    await page.locator('#entries-reject').click();
    await confirmInConsole(page, '驳回');
    await eventually(async () => (await rows.count()) === 2);

    await page.getByLabel('选择「西湖晨雾」').check();
    await page.getByLabel('选择「雷峰夕照」').check();
    await page.locator('#entries-approve').click();
    await confirmInConsole(page, '通过');
    await page.locator('#entries-status', { hasText: '没有这个状态的报名' }).waitFor();
    await page.locator('#entries-filter').selectOption('approved');
    await eventually(async () => (await rows.count()) === 2);
    await screenshot(page, 'console-entries-approved');

    const campaign = await campaignModel(env.mongo).findById(campaignId).lean();
    expect(campaign?.members.map((m) => m.name)).toEqual(expect.arrayContaining(['西湖晨雾', '雷峰夕照']));
    expect(campaign?.members.map((m) => m.name)).not.toContain('广告图');
    expect(errors).toEqual([]);
    await context.close();
  });
});
