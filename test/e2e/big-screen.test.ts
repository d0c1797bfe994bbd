import { type CampaignDoc, connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { ReviewAction, ScreenTokenResponse } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patternPng } from '../../scripts/wechat-fake/png.js';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { contrastRatio, over, parseColor, type Rgb } from '../../web/src/shared/contrast.js';
import { launchChromium, openPage, screenshot, VIEWPORT_4K } from '../support/browser.js';
import { createLiveCampaign } from '../support/campaigns.js';
import { testConfig } from '../support/config.js';
import { participantToken } from '../support/participants.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../support/stack.js';

// Requests come from 127.0.0.1; X-Forwarded-For gives each voter an address of their own, so
// risk control sees honest voters and counts them.
const config = testConfig({ TRUST_PROXY: 'loopback' });
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let browser: Browser;
let host: TestHost;
let voters = 0;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  [server, browser] = await Promise.all([startTestServer(config, mongo), launchChromium()]);
  worker = await startTestWorker(config, mongo);
  host = await createTestHost(server);
});
afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await server?.close();
  await mongo?.close();
});

const NAMES: Record<string, string> = { alice: '爱丽丝', bob: '鲍勃', carol: '卡罗尔' };

async function campaign(fields: Partial<CampaignDoc> = {}): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds);
  await createLiveCampaign(mongo, campaignId, {
    candidateIds,
    title: '年度最受欢迎社团评选',
    createdBy: host.id,
    ...fields,
  });
  await mongo
    .collection('campaigns')
    .updateOne(
      { _id: campaignId as never },
      { $set: { members: candidateIds.map((candidateId) => ({ candidateId, name: NAMES[candidateId] })) } },
    );
  return campaignId;
}

/** `n` votes for a candidate from `n` honest-looking voters (own address, own device, a human's dwell). */
async function votes(campaignId: string, candidateId: string, n: number, ip?: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const k = ++voters;
    const res = await fetch(`${server.url}/api/boards/${campaignId}/votes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await participantToken(config, `p-screen-${campaignId}-${k}`)}`,
        'x-forwarded-for': ip ?? `10.${k % 250}.${(k * 7) % 250}.${(k % 200) + 2}`,
        'x-device-id': `dev-screen-${k}`,
      },
      body: JSON.stringify({ candidateId, dwellMs: 3_000 + k * 37 }),
    });
    expect(res.status).toBe(202);
  }
}

const counted = (campaignId: string, n: number) =>
  eventually(
    async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' })) >= n,
    20_000,
    `${n} votes counted`,
  );

/** The ranking the screen shows, top down: `id:score` (the text list mirrors the bars). */
const shown = (page: Page) =>
  page.$$eval('#ranking-list li', (items) =>
    items.map((li) => `${(li as HTMLElement).dataset.candidateId}:${(li as HTMLElement).dataset.score}`),
  );

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

const waitForState = (page: Page, state: string) =>
  page.waitForSelector(`#screen[data-state="${state}"]`, { timeout: 15_000 });

async function waitForRanking(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) =>
      [...document.querySelectorAll<HTMLElement>('#ranking-list li')]
        .map((li) => `${li.dataset.candidateId}:${li.dataset.score}`)
        .join(',') === want.join(','),
    expected,
    { timeout: 15_000 },
  );
}

const status = async (campaignId: string, to: string) => {
  const moved = await call(server, host.token, 'POST', `/api/campaigns/${campaignId}/status`, { status: to });
  expect(moved.status).toBe(200);
};

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

  it('says it is reconnecting when cut off, keeps the old ranking greyed, and resyncs to the present', async () => {
    const campaignId = await campaign();
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await page.waitForSelector('#screen[data-connection="online"]');
    await context.setOffline(true);
    for (const socket of await server.io.in(`screen:${campaignId}`).fetchSockets()) socket.disconnect();
    await page.waitForSelector('#screen[data-connection="reconnecting"]');
    expect(await page.isVisible('#reconnecting')).toBe(true);

    await votes(campaignId, 'alice', 2);
    await counted(campaignId, 2);
    expect(await shown(page)).toEqual(['alice:0', 'bob:0', 'carol:0']);

    await context.setOffline(false);
    await page.waitForSelector('#screen[data-connection="online"]', { timeout: 20_000 });
    await waitForRanking(page, ['alice:2', 'bob:0', 'carol:0']);
    expect(await page.isVisible('#reconnecting')).toBe(false);
    await context.close();
  });

  it('follows a review that voids counted votes', async () => {
    const campaignId = await campaign();
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    for (let i = 0; i < 3; i++) await votes(campaignId, 'bob', 1, `100.64.9.${i + 10}`);
    await votes(campaignId, 'carol', 1);
    await waitForRanking(page, ['bob:3', 'carol:1', 'alice:0']);
    const voided = await call<ReviewAction>(
      server,
      host.token,
      'POST',
      `/api/campaigns/${campaignId}/review/void-by-rule`,
      {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        network: '100.64.9.0/24',
      },
    );
    expect(voided.status).toBe(202);
    await waitForRanking(page, ['carol:1', 'alice:0', 'bob:0']);
    await context.close();
  });

  it('opens an unlisted campaign only with the screen token its host issued', async () => {
    const campaignId = await campaign({ visibility: 'unlisted' });
    const bare = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(bare.page, 'error');
    expect(await bare.page.getAttribute('#screen', 'data-error')).toBe('SCREEN_TOKEN_INVALID');
    await bare.context.close();
    const wrong = await fetch(`${server.url}/api/screens/${campaignId}?token=not-a-token`);
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
    const { page, context } = await openPage(browser, `${server.url}${url.pathname}${url.search}`);
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

  it("follows the host's edits while live: a new title and a candidate added", async () => {
    const campaignId = await campaign();
    const { page, context, errors } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    const renamed = await call(server, host.token, 'PATCH', `/api/campaigns/${campaignId}`, {
      title: '年度最受欢迎社团评选 · 决赛',
    });
    expect(renamed.status).toBe(200);
    await page.waitForFunction(
      () => document.getElementById('title')?.textContent === '年度最受欢迎社团评选 · 决赛',
      undefined,
      { timeout: 10_000 },
    );
    const added = await call(server, host.token, 'POST', `/api/campaigns/${campaignId}/members`, {
      candidateId: 'dave',
      name: '大卫',
    });
    expect(added.status).toBe(201);
    await votes(campaignId, 'dave', 1);
    await waitForRanking(page, ['dave:1', 'alice:0', 'bob:0', 'carol:0']);
    expect(await page.textContent('#ranking-list li[data-candidate-id="dave"]')).toBe('第1名 大卫 1票');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows each candidate's photo beside the bar and on the podium", async () => {
    const photo = (id: string) => `https://photos.rallyboard.test/${id}.png`;
    const campaignId = await campaign();
    await mongo.collection('campaigns').updateOne(
      { _id: campaignId as never },
      {
        $set: {
          members: ['alice', 'bob', 'carol'].map((candidateId) => ({
            candidateId,
            name: NAMES[candidateId],
            imageUrl: photo(candidateId),
          })),
        },
      },
    );
    await votes(campaignId, 'carol', 2);
    await votes(campaignId, 'alice', 1);
    await counted(campaignId, 3);
    const { page, context, errors } = await openPage(browser, 'about:blank');
    // The photo host is the outside world: the browser gets real PNGs for it from here.
    const fetched = new Set<string>();
    await page.route('https://photos.rallyboard.test/**', async (route) => {
      fetched.add(route.request().url());
      await route.fulfill({ contentType: 'image/png', body: patternPng(route.request().url(), 64) });
    });
    await page.goto(`${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    await waitForRanking(page, ['carol:2', 'alice:1', 'bob:0']);
    // The bar race's labels draw each photo (ECharts loads it as an image of the rich text).
    const labelImages = await page.evaluate(() => {
      const probe = (window as unknown as { __rallyScreen: { chart: { getOption(): unknown } } })
        .__rallyScreen;
      const option = probe.chart.getOption() as {
        yAxis: { axisLabel: { rich: Record<string, { backgroundColor?: { image?: string } }> } }[];
      };
      return Object.values(option.yAxis[0]?.axisLabel.rich ?? {})
        .flatMap((style) => (style.backgroundColor?.image ? [style.backgroundColor.image] : []))
        .sort();
    });
    expect(labelImages).toEqual([photo('alice'), photo('bob'), photo('carol')]);
    await eventually(async () => fetched.size === 3, 10_000, 'the three photos fetched');

    await status(campaignId, 'ended');
    await waitForState(page, 'podium');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('#podium-places img')].filter(
          (img) => img.complete && img.naturalWidth === 64,
        ).length === 3,
      undefined,
      { timeout: 10_000 },
    );
    const podium = await page.$$eval('#podium-places img', (imgs) =>
      imgs.map((img) => ({ alt: (img as HTMLImageElement).alt, src: (img as HTMLImageElement).src })),
    );
    expect(podium).toEqual(
      expect.arrayContaining([
        { alt: '卡罗尔', src: photo('carol') },
        { alt: '爱丽丝', src: photo('alice') },
        { alt: '鲍勃', src: photo('bob') },
      ]),
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has text colours with a contrast of at least 4.5:1 against their backgrounds', async () => {
    const campaignId = await campaign();
    await votes(campaignId, 'alice', 1);
    const { page, context } = await openPage(browser, `${server.url}/screen/${campaignId}`);
    await waitForState(page, 'live');
    const pairs = await page.evaluate(() => {
      const out: { text: string; color: string; backgrounds: string[] }[] = [];
      for (const el of document.querySelectorAll<HTMLElement>('#screen *')) {
        const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        if (!own || el.closest('[hidden]') || el.closest('.ranking-list') || el.offsetParent === null)
          continue;
        const backgrounds: string[] = [];
        for (let at: HTMLElement | null = el; at; at = at.parentElement) {
          backgrounds.push(getComputedStyle(at).backgroundColor);
        }
        backgrounds.push(getComputedStyle(document.body).backgroundColor);
        out.push({
          text: el.textContent?.trim().slice(0, 20) ?? '',
          color: getComputedStyle(el).color,
          backgrounds,
        });
      }
      return out;
    });
    expect(pairs.length).toBeGreaterThan(5);
    for (const { text, color, backgrounds } of pairs) {
      // The effective background: translucent layers composed over the first opaque one below.
      const layers = backgrounds.map((b) => parseColor(b)).filter((c) => c !== undefined && c.alpha > 0);
      const base = layers.findIndex((c) => c?.alpha === 1);
      let bg: Rgb = layers[base]?.rgb ?? [11, 16, 32];
      for (const layer of layers.slice(0, Math.max(base, 0)).reverse())
        if (layer) bg = over(layer.rgb, layer.alpha, bg);
      const fg = parseColor(color);
      expect(fg, text).toBeDefined();
      const ratio = contrastRatio(fg?.rgb ?? [0, 0, 0], bg);
      expect(ratio, `"${text}": ${color} on rgb(${bg.join(',')})`).toBeGreaterThanOrEqual(4.5);
    }
    await context.close();
  });
});
