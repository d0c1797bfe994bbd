import { connectMongo, newImageId, putEntryImage } from '@rallyboard/core/db';
import type { ErrorBody } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';

// The read limits at their defaults (the test env turns them off for the other tests); the
// pictures' own budget small, to spend it here.
const PICTURES = 40;
const config = testConfig({ RATE_LIMIT_READS_PER_IP: undefined, RATE_LIMIT_MEDIA_PER_IP: String(PICTURES) });
let server: TestServer;
let mongo: Connection;
let boardId: string;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

/** Sends `count` requests, `concurrency` at a time, and answers their responses in order. */
async function flood(url: string, count: number, concurrency = 25): Promise<Response[]> {
  const answers: Response[] = [];
  for (let sent = 0; sent < count; sent += concurrency) {
    const wave = Array.from({ length: Math.min(concurrency, count - sent) }, () => fetch(url));
    answers.push(...(await Promise.all(wave)));
  }
  return answers;
}

describe('public reads from one address', () => {
  it('answer 429 RATE_LIMITED with Retry-After once 400 leaderboard reads past the budget flood in', async () => {
    const allowed = config.rateLimits.readsPerIp;
    const answers = await flood(`${server.url}/api/boards/${boardId}/leaderboard`, allowed + 400, 50);
    const statuses = answers.map((a) => a.status);
    // The budget's reads answer, then the rest of its window is refused (a slow run that
    // outlasts the window sees a fresh budget, so only the first reads are exact).
    expect(statuses.slice(0, allowed)).toEqual(statuses.slice(0, allowed).map(() => 200));
    expect(statuses[allowed]).toBe(429);
    const limited = answers.filter((a) => a.status === 429);
    const first = limited[0] as Response;
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await first.json()) as ErrorBody).error.code).toBe('RATE_LIMITED');
    await Promise.all(answers.map((a) => (a === first ? undefined : a.body?.cancel())));
  });

  it("charge the same budget for the public campaigns, members, totals and screens, a campaign's matching and lotteries, and share links", async () => {
    // The budget is spent by now: every public read is refused, and none reaches a store.
    const paths = [
      `/api/boards/${boardId}/totals`,
      `/api/boards/${boardId}/members/alice`,
      `/api/boards/${boardId}/members/alice/around`,
      '/api/public/campaigns',
      `/api/screens/${boardId}`,
      `/api/campaigns/${boardId}/matches`,
      `/api/campaigns/${boardId}/lotteries`,
      `/api/campaigns/${boardId}/lotteries/l-1/tickets`,
      '/api/share-tokens/AAAAAAAAAAAAAAAAAAAAAA',
      '/api/share-tokens/AAAAAAAAAAAAAAAAAAAAAA/code.png',
    ];
    const answers = await Promise.all(paths.map((path) => fetch(`${server.url}${path}`)));
    expect(answers.map((a) => a.status)).toEqual(paths.map(() => 429));
  });

  it("leave entry pictures to a budget of their own: a contest's photos are answered once the reads' is spent, until theirs is", async () => {
    const imageId = newImageId();
    await putEntryImage(mongo, imageId, Buffer.alloc(1_024, 7), {
      campaignId: boardId,
      userId: 'p-author',
      contentType: 'image/jpeg',
      width: 32,
      height: 32,
      sha256: 'x',
      entryId: 'e-1',
    });
    // The reads' budget is spent by now (above); the pictures' is not.
    const answers = await flood(`${server.url}/media/entries/${imageId}`, PICTURES + 10, 10);
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, PICTURES)).toEqual(statuses.slice(0, PICTURES).map(() => 200));
    expect(statuses.slice(PICTURES)).toEqual(statuses.slice(PICTURES).map(() => 429));
    await Promise.all(answers.map((a) => a.body?.cancel()));
  });

  it('leave votes and host routes to their own limits', async () => {
    const vote = await fetch(`${server.url}/api/boards/${boardId}/votes`, { method: 'POST' });
    expect(vote.status).toBe(401);
  });
});
