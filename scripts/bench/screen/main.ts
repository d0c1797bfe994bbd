// `npm run bench:screen -- [--seconds 20] [--rate 50]`: how smoothly the big screen keeps up.
//
// One server (createApp) and one vote worker in this process, on the local Redis and FerretDB,
// a campaign of 20 candidates, and the screen open in Debian's Chromium at 1080p. Votes go
// through the API at `--rate` a second, each for a candidate near the top so that ranks keep
// changing; the relay ticks every 20 ms, so each vote reaches the screen as a rank update of its
// own. The page records every requestAnimationFrame interval while it runs and every draw with
// the total it showed; latency is a vote's POST to the first frame showing its total.
//
// stack.ts starts the server and the worker; this file drives the screen and measures it.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ledgerModel } from '@rallyboard/core/db';
import { createTokenSigner } from '@rallyboard/server/auth';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../../../test/support/browser.js';
import { ROOT } from '../../services/paths.js';
import { type ScreenStack, seedCampaign, startScreenStack } from './stack.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, rate: { type: 'string', default: '50' } },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The screen, and its peer: a blank page in the same browser at the same time, its frames
 * counted the same way. What the peer drops, the machine dropped (two cores shared with the whole
 * stack and the load), not the screen's drawing.
 */
async function openScreens(
  url: string,
  campaignId: string,
): Promise<{ browser: Browser; page: Page; control: Page }> {
  const browser = await launchChromium();
  const { page } = await openPage(browser, `${url}/screen/${campaignId}`);
  await page.waitForSelector('#screen[data-state="live"]', { timeout: 20_000 });
  const { page: control } = await openPage(browser, 'about:blank');
  // As a string: tsx compiles this file keeping function names (an `__name` helper the page lacks).
  const countFrames = `
    window.__frames = [];
    let last = performance.now();
    const loop = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
  `;
  await Promise.all([page.evaluate(countFrames), control.evaluate(countFrames)]);
  return { browser, page, control };
}

/** Sends `--rate` votes a second for `--seconds`; answers when each was sent, with the running total. */
async function sendVotes(stack: ScreenStack, campaignId: string, candidateIds: string[]) {
  const { config, url } = stack;
  const signer = createTokenSigner(config.auth);
  const total = Math.round(seconds * rate);
  // One voter a vote, each from an address and a device of their own: risk control counts them.
  const tokens = await Promise.all(
    Array.from({ length: total }, (_, i) => signer.participant({ participantId: `p-bench-${i}` })),
  );
  const scores = new Map(candidateIds.map((id) => [id, 0]));
  const sent: { total: number; at: number }[] = [];
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // A candidate from the lower half of the top ten: each vote tends to overtake someone.
    const ranked = [...scores].sort((a, b) => b[1] - a[1]);
    const pick = ranked[5 + Math.floor(Math.random() * 5)]?.[0] ?? 'm01';
    scores.set(pick, (scores.get(pick) ?? 0) + 1);
    const at = Date.now();
    // Not awaited: the schedule keeps its rate whatever one request takes.
    const request = fetch(`${url}/api/boards/${campaignId}/votes`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokens[i % tokens.length]?.token}`,
        'x-forwarded-for': `10.${(i >> 8) & 255}.${i & 255}.7`,
        'x-device-id': `dev-bench-${i}`,
      },
      body: JSON.stringify({ candidateId: pick, dwellMs: 4_000 }),
    });
    inFlight.push(
      request.then(async (res) => {
        if (res.status !== 202) throw new Error(`vote ${i} answered ${res.status}: ${await res.text()}`);
      }),
    );
    sent.push({ total: i + 1, at });
  }
  await Promise.all(inFlight);
  const sendMs = Date.now() - started;
  return { total, sent, started, sendMs };
}

/** Waits until every vote is decided and the screen shows the counted total; reads both pages' records. */
async function readScreens(stack: ScreenStack, campaignId: string, total: number, page: Page, control: Page) {
  const { mongo, url } = stack;
  // Every vote decided, then the screen shows the counted total (a held vote would not count).
  const ledger = ledgerModel(mongo);
  while ((await ledger.countDocuments({ boardId: campaignId })) < total) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const totals = await (await fetch(`${url}/api/boards/${campaignId}/totals`)).json();
  const counted = (totals as { totals: { votes: number } }).totals.votes;
  // A string, as in openScreens: the page has no `__name`.
  await page.waitForFunction(
    `document.getElementById('total')?.textContent === '${counted.toLocaleString('zh-CN')}'`,
    undefined,
    { timeout: 30_000 },
  );
  const { frames, applied } = await page.evaluate(() => {
    const w = window as unknown as {
      __frames: number[];
      __rallyScreen: { applied: { total: number; at: number }[] };
    };
    return { frames: w.__frames.slice(1), applied: w.__rallyScreen.applied };
  });
  const controlFrames = (await control.evaluate('window.__frames.slice(1)')) as number[];
  return { counted, frames, applied, controlFrames };
}

async function main() {
  const stack = await startScreenStack();
  const { campaignId, candidateIds } = await seedCampaign(stack);
  const { browser, page, control } = await openScreens(stack.url, campaignId);
  const { total, sent, started, sendMs } = await sendVotes(stack, campaignId, candidateIds);
  const { counted, frames, applied, controlFrames } = await readScreens(
    stack,
    campaignId,
    total,
    page,
    control,
  );

  const latencies = sent.flatMap(({ total: n, at }) => {
    const drawn = applied.find((a) => a.total >= n);
    return drawn ? [drawn.at - at] : [];
  });
  const draws = applied.filter((a) => a.at >= started).length;
  const results = {
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown' },
    chromium: browser.version(),
    viewport: '1920x1080',
    votes: total,
    counted,
    targetRate: rate,
    achievedRate: round((total * 1000) / sendMs),
    screenUpdatesDrawn: draws,
    updatesPerSecondDrawn: round((draws * 1000) / (Date.now() - started)),
    frames: frameFigures(frames),
    controlFrames: frameFigures(controlFrames),
    latencyMs: {
      p50: round(pct(latencies, 50)),
      p95: round(pct(latencies, 95)),
      p99: round(pct(latencies, 99)),
      max: round(Math.max(...latencies)),
    },
  };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(`${ROOT}bench-results`, { recursive: true });
  const file = `${ROOT}bench-results/screen-${results.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${file}`);

  await browser.close();
  await stack.stop();
}

/** A page's frame intervals in figures: a dropped frame is a 60 Hz frame with no new picture. */
function frameFigures(frames: number[]) {
  const frameBudget = 1000 / 60;
  return {
    count: frames.length,
    meanMs: round(frames.reduce((a, b) => a + b, 0) / Math.max(frames.length, 1)),
    p50Ms: round(pct(frames, 50)),
    p95Ms: round(pct(frames, 95)),
    p99Ms: round(pct(frames, 99)),
    maxMs: round(Math.max(...frames)),
    longFramesOver50Ms: frames.filter((f) => f > 50).length,
    droppedFrames: Math.round(frames.reduce((n, f) => n + Math.max(0, Math.round(f / frameBudget) - 1), 0)),
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('✗ the screen benchmark failed:', error);
    process.exit(1);
  },
);
