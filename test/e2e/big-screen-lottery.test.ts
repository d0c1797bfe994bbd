import { rewardGrantIdOf, rewardModels } from '@rallyboard/core/db';
import type { LotteryView } from '@rallyboard/core/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  host,
  mongo,
  server,
  status,
  useBigScreenStack,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage, screenshot } from '../support/browser.js';

// The big screen's lottery: its commitment shown from the start, and the draw played as it
// happens: the ticket holders' numbers roll and land on each winner, then the seed is shown and
// checked by the page itself against the commitment.
useBigScreenStack();

interface Probe {
  phase: string;
  landed: string[];
  seedChecked: boolean | undefined;
}
const probe = (page: Page) =>
  page.evaluate(() => (window as unknown as { __rallyLottery: Probe }).__rallyLottery);
const waitForPhase = (page: Page, phase: string, timeout = 20_000) =>
  page.waitForFunction(
    (want) => (window as unknown as { __rallyLottery: Probe }).__rallyLottery.phase === want,
    phase,
    { timeout },
  );

/** Tickets held by `holders` participants (`<who>-<i>`), written as the workers write them. */
async function tickets(
  campaignId: string,
  lotteryId: string,
  holders: number,
  who = 'p-screen',
): Promise<void> {
  await rewardModels(mongo).grants.insertMany(
    Array.from({ length: holders }, (_, i) => ({
      _id: rewardGrantIdOf('rrSCREENRULE', `${who}-${i}`, 'nth:1'),
      campaignId,
      ruleId: 'rrSCREENRULE',
      participantId: `${who}-${i}`,
      key: 'nth:1',
      voteId: `v-${i}`,
      status: 'active',
      lotteryId,
      grantedAt: new Date(),
    })),
  );
}

describe('the big screen lottery, in Chromium', () => {
  it('shows the commitment before the start, and rolls the names onto each winner when the host draws', async () => {
    const campaignId = await campaign({ status: 'scheduled' });
    const added = await call<LotteryView>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/lotteries`,
      {
        name: '幸运抽奖',
        prizes: [
          { name: '一等奖', count: 1 },
          { name: '二等奖', count: 2 },
        ],
      },
    );
    expect(added.status).toBe(201);
    const { id: lotteryId, commitment } = added.body;
    await status(campaignId, 'live');
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await page.waitForSelector('#lottery-line .lottery-item[data-status="committed"]');
    expect(await page.textContent('#lottery-line')).toContain(`种子承诺 SHA-256：${commitment}`);
    await screenshot(page, 'screen-lottery-commitment-1080p');

    await tickets(campaignId, lotteryId, 40);
    await status(campaignId, 'ended');
    await waitForState(page, 'podium');
    const drawn = await call<LotteryView>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/lotteries/${lotteryId}/draw`,
    );
    expect(drawn.status).toBe(200);
    await waitForPhase(page, 'rolling', 10_000);
    expect(await page.isVisible('#lottery-draw')).toBe(true);
    await page.waitForTimeout(700);
    await screenshot(page, 'screen-lottery-rolling-1080p');
    await waitForPhase(page, 'landed', 30_000);
    const shown = await probe(page);
    expect(shown.landed).toEqual((drawn.body.winners ?? []).map((w) => `${w.prize} ${w.holder}`));
    expect(shown.seedChecked).toBe(true);
    expect(await page.textContent('#lottery-proof')).toContain(drawn.body.seed ?? 'no seed');
    expect(await page.textContent('#lottery-roll')).toContain(drawn.body.winners?.at(-1)?.holder ?? 'none');
    await screenshot(page, 'screen-lottery-drawn-1080p');
    expect(errors).toEqual([]);
    await context.close();

    // A screen opened after the draw shows the result along the bottom, without the show.
    const later = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await later.page.waitForSelector('#lottery-line .lottery-item[data-status="drawn"]');
    expect(await later.page.textContent('#lottery-line')).toContain(
      `一等奖 ${drawn.body.winners?.[0]?.holder ?? 'none'}`,
    );
    expect(await later.page.isVisible('#lottery-draw')).toBe(false);
    expect(later.errors).toEqual([]);
    await later.context.close();
  });
});

describe('the big screen lottery, when the tickets cannot be read', () => {
  it('still lands on the winners, and the draw view leaves the podium in the end', async () => {
    const campaignId = await campaign({ status: 'scheduled' });
    const added = await call<LotteryView>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/lotteries`,
      {
        name: '幸运抽奖',
        prizes: [{ name: '一等奖', count: 2 }],
      },
    );
    expect(added.status).toBe(201);
    await status(campaignId, 'live');
    // The page's own clock, so the 90 s the draw stays up can be skipped.
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    await context.clock.install();
    const page = await context.newPage();
    await page.goto(`${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await page.waitForSelector('#lottery-line .lottery-item[data-status="committed"]');
    await tickets(campaignId, added.body.id, 10, 'p-unread');
    await status(campaignId, 'ended');
    await waitForState(page, 'podium');

    await page.route('**/lotteries/*/tickets?*', (route) => route.abort());
    const drawn = await call<LotteryView>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/lotteries/${added.body.id}/draw`,
    );
    expect(drawn.status).toBe(200);
    await waitForPhase(page, 'rolling', 10_000);
    // The winners' own numbers roll instead of every holder's.
    await waitForPhase(page, 'landed', 30_000);
    expect((await probe(page)).landed).toEqual(
      (drawn.body.winners ?? []).map((w) => `${w.prize} ${w.holder}`),
    );
    expect(await page.isVisible('#lottery-draw')).toBe(true);

    await page.clock.fastForward('01:35');
    await waitForPhase(page, 'drawn', 10_000);
    expect(await page.isVisible('#lottery-draw')).toBe(false);
    expect(await page.isVisible('#podium')).toBe(true);
    expect(await page.textContent('#lottery-line')).toContain(
      `一等奖 ${drawn.body.winners?.[0]?.holder ?? 'none'}`,
    );
    await context.close();
  }, 90_000);
});
