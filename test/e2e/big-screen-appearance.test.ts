import { describe, expect, it } from 'vitest';
import { patternPng } from '../../scripts/wechat-fake/png.js';
import { contrastRatio, over, parseColor, type Rgb } from '../../web/src/shared/contrast.js';
import {
  browser,
  campaign,
  counted,
  mongo,
  NAMES,
  server,
  status,
  useBigScreenStack,
  votes,
  waitForRanking,
  waitForState,
} from '../support/big-screen-fixture.js';
import { openPage } from '../support/browser.js';
import { eventually } from '../support/stack.js';

// How the screen looks: the candidates' photos on the bars and the podium, and text readable
// against its background.
useBigScreenStack();

describe('the big screen, in Chromium', () => {
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
