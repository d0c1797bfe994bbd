import type { ScreenTokenResponse } from '@rallyboard/core/protocol';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { call } from '../../server/test/support/hosts.js';
import {
  browser,
  campaign,
  counted,
  host,
  server,
  shown,
  status,
  useBigScreenStack,
  votes,
  waitForRanking,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage, screenshot, VIEWPORT_4K } from '../support/browser.js';

// The screen's states, each as a host or a viewer meets it: live, frozen, revealed and on the
// podium; an error without the screen token of an unlisted campaign; counting down to the start.
useBigScreenStack();

/** The bar race's own order: ECharts' category axis, sorted by value as realtimeSort draws it. */
const barOrder = (page: Page) =>
  page.evaluate(() => {
    const probe = (window as unknown as { __rallyScreen: { chart: { getOption(): unknown } } }).__rallyScreen;
    const option = probe.chart.getOption() as {
      yAxis: { data: string[] }[];
      series: { data: { value: number }[] }[];
    };
    const ids = option.yAxis[0]?.data ?? [];
    const values = option.series[0]?.data.map((d) => d.value) ?? [];
    return ids
      .map((id, i) => ({ id, value: values[i] ?? 0 }))
      .sort((a, b) => b.value - a.value)
      .map((b) => b.id);
  });

/** The side panel's cards that do not fit inside the viewport. */
const cutOff = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.side > *')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.bottom > window.innerHeight || box.right > window.innerWidth;
      })
      .map((el) => el.className),
  );

describe('the big screen, in Chromium', () => {
  it('shows the live ranking, reorders it as votes come, freezes, reveals from the bottom up and ends on a podium', async () => {
    const campaignId = await campaign();
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    expect(await page.textContent('#title')).toBe('年度最受欢迎社团评选');

    await votes(campaignId, 'bob', 2);
    await waitForRanking(page, ['bob:2', 'alice:0', 'carol:0']);
    await votes(campaignId, 'carol', 3);
    await waitForRanking(page, ['carol:3', 'bob:2', 'alice:0']);
    await page.waitForFunction(() => document.getElementById('total')?.textContent === '5');
    expect((await barOrder(page)).slice(0, 2)).toEqual(['carol', 'bob']);
    // carol passed bob: her arrow points up. The picture once the bars have slid into place
    // (a redraw at most every 250 ms, sliding for 400 ms).
    await page.waitForTimeout(700);
    await screenshot(page, 'screen-live-1080p');
    // Nothing around the ranking is cut off by the bottom of the screen.
    expect(await cutOff(page)).toEqual([]);

    await status(campaignId, 'frozen');
    await waitForState(page, 'frozen');
    expect(await page.isVisible('#frozen')).toBe(true);
    const atFreeze = await shown(page);
    // Votes still count behind the freeze: the host's live read has them, the screen does not.
    await votes(campaignId, 'alice', 4);
    await counted(campaignId, 9);
    const live = await call<{ entries: { candidateId: string; score: number }[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/leaderboard`,
    );
    expect(live.body.entries[0]).toMatchObject({ candidateId: 'alice', score: 4 });
    // The relay ticks every 50 ms here: a second of unchanged screen is twenty ticks of nothing.
    for (let i = 0; i < 10; i++) {
      expect(await shown(page)).toEqual(atFreeze);
      await page.waitForTimeout(100);
    }
    expect(await page.textContent('#total')).toBe('5');
    await screenshot(page, 'screen-frozen-1080p');

    const revealed = await call(server, host.token, 'POST', `/api/campaigns/${campaignId}/reveal`);
    expect(revealed.status).toBe(200);
    await waitForState(page, 'reveal');
    // The last rank comes first, the winner last.
    await page.waitForSelector('.reveal-item[data-rank="3"][data-revealed="true"]');
    expect(await page.getAttribute('.reveal-item[data-rank="1"]', 'data-revealed')).toBe('false');
    await page.waitForSelector('.reveal-item[data-rank="1"][data-revealed="true"]', { timeout: 10_000 });
    expect(await page.getAttribute('.reveal-item[data-rank="1"]', 'data-candidate-id')).toBe('alice');

    await status(campaignId, 'ended');
    await waitForState(page, 'podium');
    const podium = await page.$$eval('.podium-place', (places) =>
      places.map((p) => `${(p as HTMLElement).dataset.rank}:${(p as HTMLElement).dataset.candidateId}`),
    );
    expect(podium).toEqual(['2:carol', '1:alice', '3:bob']);
    await screenshot(page, 'screen-podium-1080p');

    // A screen opened afterwards shows the revealed result at once.
    const later = await openPage(browser, `${server.url}/screen/${campaignId}`, VIEWPORT_4K);
    await waitForState(later.page, 'podium');
    await screenshot(later.page, 'screen-podium-4k');
    await later.context.close();

    const audit = await call<{ entries: { action: string }[] }>(
      server,
      host.token,
      'GET',
      `/api/campaigns/${campaignId}/audit`,
    );
    expect(audit.body.entries.map((e) => e.action)).toContain('campaign.reveal');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens an unlisted campaign only with the screen token its host issued', async () => {
    const campaignId = await campaign({ visibility: 'unlisted' });
    const bare = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(bare.page, 'error');
    expect(await bare.page.getAttribute('#screen', 'data-error')).toBe('SCREEN_TOKEN_INVALID');
    await bare.context.close();
    const wrong = await fetch(`${server.url}/api/screens/${campaignId}`, {
      headers: { 'x-screen-token': 'not-a-token' },
    });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('SCREEN_TOKEN_INVALID');

    const issued = await call<ScreenTokenResponse>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/screen-token`,
    );
    expect(issued.status).toBe(200);
    const url = new URL(issued.body.url);
    const { page, context } = await openPage(browser, `${server.url}${url.pathname}${url.hash}`);
    await waitForState(page, 'live');
    // The join code comes through with the same token: a QR code of the campaign's address here.
    await page.waitForFunction(() => {
      const img = document.getElementById('join-code') as HTMLImageElement | null;
      return (img?.complete ?? false) && (img?.naturalWidth ?? 0) > 0;
    });
    await context.close();
  });

  it('counts down to the start of a scheduled campaign, readable at 4K', async () => {
    const campaignId = await campaign({
      status: 'scheduled',
      schedule: {
        startAt: new Date(Date.now() + 3_600_000),
        endAt: new Date(Date.now() + 7_200_000),
        timezone: 'Asia/Shanghai',
      },
    });
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`, VIEWPORT_4K);
    await waitForState(page, 'upcoming');
    await page.waitForFunction(() =>
      /^(00|59):\d\d(:\d\d)?$/.test(document.getElementById('start-countdown')?.textContent ?? ''),
    );
    const fontPx = await page.evaluate(() =>
      Number.parseFloat(getComputedStyle(document.documentElement).fontSize),
    );
    expect(fontPx).toBeCloseTo(40, 0);
    await screenshot(page, 'screen-upcoming-4k');
    expect(await cutOff(page)).toEqual([]);
    await context.close();
  });
});
