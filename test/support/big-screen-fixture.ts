import { type CampaignDoc, connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { call, createTestHost, type TestHost } from '../../server/test/support/hosts.js';
import { launchChromium } from './browser.js';
import { createLiveCampaign } from './campaigns.js';
import { testConfig } from './config.js';
import { participantToken } from './participants.js';
import { eventually, seedBoard, startTestServer, startTestWorker, type TestServer } from './stack.js';

/**
 * What the big-screen tests share (they were one file, test/e2e/big-screen.test.ts): each test
 * file's own config (its key prefix and database), server, vote worker, Chromium and host;
 * campaigns with Chinese names; votes from honest-looking voters; and reads of what the screen
 * shows.
 */

// Requests come from 127.0.0.1; X-Forwarded-For gives each voter an address of their own, so
// risk control sees honest voters and counts them.
const config = testConfig({ TRUST_PROXY: 'loopback' });
export let mongo: Connection;
export let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
export let browser: Browser;
export let host: TestHost;
let voters = 0;

/** Starts the file's server, vote worker, Chromium and host before its tests and closes them after. */
export function useBigScreenStack(): void {
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
}

export const NAMES: Record<string, string> = { alice: '爱丽丝', bob: '鲍勃', carol: '卡罗尔' };

/** A live campaign of alice, bob and carol; `groups` puts candidates in groups (candidate id → group name). */
export async function campaign(
  fields: Partial<CampaignDoc> = {},
  groups: Record<string, string> = {},
): Promise<string> {
  const candidateIds = ['alice', 'bob', 'carol'];
  const campaignId = await seedBoard(config, server.deps.redis, mongo, candidateIds, { groups });
  await createLiveCampaign(mongo, campaignId, {
    candidateIds,
    title: '年度最受欢迎社团评选',
    createdBy: host.id,
    ...fields,
  });
  await mongo.collection('campaigns').updateOne(
    { _id: campaignId as never },
    {
      $set: {
        members: candidateIds.map((candidateId) => ({
          candidateId,
          name: NAMES[candidateId],
          ...(groups[candidateId] === undefined ? {} : { group: groups[candidateId] }),
        })),
      },
    },
  );
  return campaignId;
}

/** `n` votes for a candidate from `n` honest-looking voters (own address, own device, a human's dwell). */
export async function votes(campaignId: string, candidateId: string, n: number, ip?: string): Promise<void> {
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

export const counted = (campaignId: string, n: number) =>
  eventually(
    async () => (await ledgerModel(mongo).countDocuments({ boardId: campaignId, verdict: 'counted' })) >= n,
    20_000,
    `${n} votes counted`,
  );

/**
 * The page as the page functions below read it, in Chromium. test/support is also type-checked by
 * the packages' test programs, which have no DOM types; this declares what these use of it.
 */
declare const document: {
  querySelectorAll(selector: string): Iterable<{ dataset: Record<string, string | undefined> }>;
};

/** The ranking the screen shows, top down: `id:score` (the text list mirrors the bars). */
export const shown = (page: Page) =>
  page.$$eval('#ranking-list li', (items) =>
    items.map((li) => `${li.dataset.candidateId}:${li.dataset.score}`),
  );

export const waitForState = (page: Page, state: string) =>
  page.waitForSelector(`#screen[data-state="${state}"]`, { timeout: 15_000 });

export async function waitForRanking(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) =>
      [...document.querySelectorAll('#ranking-list li')]
        .map((li) => `${li.dataset.candidateId}:${li.dataset.score}`)
        .join(',') === want.join(','),
    expected,
    { timeout: 15_000 },
  );
}

export const status = async (campaignId: string, to: string) => {
  const moved = await call(server, host.token, 'POST', `/api/campaigns/${campaignId}/status`, { status: to });
  expect(moved.status).toBe(200);
};
