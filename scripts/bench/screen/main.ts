// `npm run bench:screen -- [--seconds 20] [--rate 50]`: how smoothly the big screen keeps up.
//
// One server (createApp) and one vote worker in this process, on the local Redis and FerretDB,
// a campaign of 20 candidates, and the screen open in Debian's Chromium at 1080p. Votes go
// through the API at `--rate` a second, each for a candidate near the top so that ranks keep
// changing; the relay ticks every 20 ms, so each vote reaches the screen as a rank update of its
// own. The page records every requestAnimationFrame interval while it runs and every draw with
// the total it showed; latency is a vote's POST to the first frame showing its total.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '@rallyboard/core/config';
import { boardModel, connectMongo, ledgerModel } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { createCampaignQueue, createReviewQueue, createVoteQueue } from '@rallyboard/core/queue';
import { closeRedis, createKeys, createRedis, registerBoard, waitForReady } from '@rallyboard/core/redis';
import { createApp } from '@rallyboard/server/app';
import { createTokenSigner } from '@rallyboard/server/auth';
import { createVoteWorker } from '@rallyboard/workers/votes';
import { launchChromium, openPage } from '../../../test/support/browser.js';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { startServices } from '../../services/index.js';
import { ROOT } from '../../services/paths.js';
import { buildWeb } from '../../web/build.js';

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

async function main() {
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const base = loadConfig();
  await startServices(base);
  const mongoUrl = new URL(base.mongo.uri);
  mongoUrl.pathname = `/rallyboard_bench_screen`;
  const config = loadConfig({
    ...process.env,
    KEY_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    RELAY_TICK_MS: '20',
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_PER_DEVICE: '0',
    RATE_LIMIT_PER_VOTER: '0',
    MONGODB_URI: mongoUrl.toString(),
  });
  await buildWeb();
  const keys = createKeys(config.keyPrefix);
  const redis = async (role: Parameters<typeof createRedis>[1]) => {
    const r = createRedis(config.redis.url, role, 'bench');
    r.on('error', () => {});
    await waitForReady(r);
    return r;
  };
  const [command, subscriber, producer, workerConn, workerCmd] = await Promise.all([
    redis('command'),
    redis('subscriber'),
    redis('producer'),
    redis('worker'),
    redis('command'),
  ]);
  const mongo = await connectMongo(config.mongo.uri, 'bench-screen');
  const logger = createLogger(config, 'server', 'bench');
  const voteQueue = createVoteQueue(producer, keys);
  const campaignQueue = createCampaignQueue(producer, keys);
  const reviewQueue = createReviewQueue(producer, keys);
  const { httpServer, relay, io } = createApp({
    config,
    logger,
    keys,
    redis: command,
    subscriber,
    voteQueue,
    campaignQueue,
    reviewQueue,
    mongo,
  });
  await relay.start();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const worker = createVoteWorker(
    {
      config,
      logger: createLogger(config, 'workers', 'bench'),
      redis: workerCmd,
      keys,
      ledger: ledgerModel(mongo),
      boards: boardModel(mongo),
      instanceId: 'bench-worker',
      reviewQueue,
    },
    workerConn,
  );
  void worker.run();
  await worker.waitUntilReady();

  const campaignId = `c${randomBytes(6).toString('hex')}`;
  const candidateIds = Array.from({ length: 20 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
  const board = { title: '基准测试', kind: 'vote' as const, timezone: 'Asia/Shanghai' };
  await boardModel(mongo).create({
    _id: campaignId,
    ...board,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    members: candidateIds.map((candidateId) => ({ candidateId, name: candidateId })),
  });
  await registerBoard(command, keys, {
    boardId: campaignId,
    ...board,
    dailyRetentionDays: config.boards.dailyRetentionDays,
    candidateIds,
  });
  await createLiveCampaign(mongo, campaignId, {
    title: '大屏基准测试',
    members: candidateIds.map((candidateId, i) => ({ candidateId, name: `选手${i + 1}` })),
    createdBy: 'h-bench',
  });

  const browser = await launchChromium();
  const { page } = await openPage(browser, `${url}/screen/${campaignId}`);
  await page.waitForSelector('#screen[data-state="live"]', { timeout: 20_000 });
  // As a string: tsx compiles this file keeping function names (an `__name` helper the page lacks).
  // The peer: a blank page in the same browser at the same time, its frames counted the same
  // way. What it drops, the machine dropped (two cores shared with the whole stack and the load),
  // not the screen's drawing.
  const { page: control } = await openPage(browser, 'about:blank');
  const countFrames = `
    window.__frames = [];
    let last = performance.now();
    const loop = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
  `;
  await Promise.all([page.evaluate(countFrames), control.evaluate(countFrames)]);

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
  // Every vote decided, then the screen shows the counted total (a held vote would not count).
  const ledger = ledgerModel(mongo);
  while ((await ledger.countDocuments({ boardId: campaignId })) < total) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const totals = await (await fetch(`${url}/api/boards/${campaignId}/totals`)).json();
  const counted = (totals as { totals: { votes: number } }).totals.votes;
  // A string, as above: the page has no `__name`.
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
  await worker.close();
  await relay.stop();
  await new Promise<void>((resolve) => io.close(() => resolve()));
  await Promise.all([voteQueue.close(), campaignQueue.close(), reviewQueue.close()]);
  await Promise.all([command, subscriber, producer, workerConn, workerCmd].map((r) => closeRedis(r)));
  await mongo.dropDatabase();
  await mongo.close();
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
