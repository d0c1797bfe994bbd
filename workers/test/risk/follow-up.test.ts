import { connectMongo } from '@rallyboard/core/db';
import { knownAt } from '@rallyboard/core/risk';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { type HoldClusterJob, holdReach } from '../../src/review/selection.js';
import type { RiskDecision } from '../../src/risk/assess.js';
import { createRiskFollowUp, type DecidedVote } from '../../src/risk/follow-up.js';
import { openWorkerDeps } from '../support/deps.js';

const config = testConfig();
let mongo: Connection;
let deps: Awaited<ReturnType<typeof openWorkerDeps>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  deps = await openWorkerDeps(config, mongo);
});
afterAll(async () => {
  await deps.close();
  await mongo.close();
});

/** A vote risk control held, naming `cluster` as one whose counted votes it holds too. */
function stopped(boardId: string, cluster: string, acceptedAt: number): DecidedVote {
  const assessment = {
    verdict: 'review',
    score: 1,
    reasons: [],
    clusters: [cluster],
    holdClusters: [cluster],
    text: 'held',
  } as unknown as NonNullable<RiskDecision['assessment']>;
  return { boardId, candidateId: 'alice', acceptedAt, decision: { mode: 'h', assessment }, stopped: true };
}

describe('the follow-up of a stopped vote', () => {
  it("queues its cluster's hold right away and once more 2 s later, and nothing more for the votes stopped meanwhile", async () => {
    const addBulk = vi.fn(async () => []);
    const followUp = createRiskFollowUp({ ...deps, reviewQueue: { addBulk } as never });
    const boardId = randomId('board');
    const at = Date.now();
    await followUp([stopped(boardId, 'device:d-1', at)]);
    await followUp([stopped(boardId, 'device:d-1', at + 100), stopped(boardId, 'device:d-1', at + 200)]);

    expect(addBulk).toHaveBeenCalledTimes(1);
    const [jobs] = addBulk.mock.calls[0] as unknown as [
      { data: Record<string, unknown>; opts: { delay?: number } }[],
    ];
    expect(jobs.map((j) => j.opts.delay)).toEqual([undefined, 2_000]);
    expect(jobs[0]?.data).toMatchObject({
      kind: 'hold-cluster',
      campaignId: boardId,
      cluster: 'device:d-1',
      since: at - 86_400_000,
      by: 'risk',
    });

    // Another cluster of the board is its own.
    await followUp([stopped(boardId, 'ip:192.0.2.7@alice', at + 300)]);
    expect(addBulk).toHaveBeenCalledTimes(2);
    // Once the 2 s are over, the cluster's next stopped vote queues its holds again.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await followUp([stopped(boardId, 'device:d-1', Date.now())]);
    expect(addBulk).toHaveBeenCalledTimes(3);
  });

  it('answers the votes whose holds it could not queue, and lets their retry queue them at once', async () => {
    const addBulk = vi
      .fn(async () => [])
      .mockRejectedValueOnce(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    const followUp = createRiskFollowUp({ ...deps, reviewQueue: { addBulk } as never });
    const boardId = randomId('board');
    const vote = stopped(boardId, 'device:d-lost', Date.now());
    expect([...(await followUp([vote])).keys()]).toEqual([vote]);
    // Nothing marks the hold queued: the retry, within the 2 s, queues it.
    expect((await followUp([vote])).size).toBe(0);
    expect(addBulk).toHaveBeenCalledTimes(2);
    // The same for a member counted while its cluster was known.
    addBulk.mockRejectedValueOnce(new Error('Connection is closed.'));
    const member = { boardId, cluster: 'voter:p-lost', acceptedAt: Date.now(), voteIds: ['v-member'] };
    expect([...(await followUp([], [member])).keys()]).toEqual([member]);
    expect((await followUp([], [member])).size).toBe(0);
    expect(addBulk).toHaveBeenCalledTimes(4);
  });

  it('marks the cluster known for its hold’s window, and queues the holds of members recorded in a known cluster the same way', async () => {
    const addBulk = vi.fn(async () => []);
    const followUp = createRiskFollowUp({ ...deps, reviewQueue: { addBulk } as never });
    const boardId = randomId('board');
    const at = Date.now();
    await followUp([stopped(boardId, 'ip:192.0.2.7@alice', at)]);
    const known = deps.keys.board(boardId).risk.clusterKnown('ip:192.0.2.7@alice');
    // Kept on the clock as long as a member of then may still be decided in its reach: its window
    // and its known time.
    const ttl = await deps.redis.pttl(known);
    expect(ttl).toBeGreaterThan(1_190_000);
    expect(ttl).toBeLessThanOrEqual(1_200_000);
    const member = { boardId, cluster: 'voter:p-9', acceptedAt: Date.now(), voteIds: ['v-9'] };
    await followUp([], [member]);
    await followUp([], [member]);
    expect(addBulk).toHaveBeenCalledTimes(2);
    // A member does not make its cluster known: only a stopped vote does.
    expect(await deps.redis.exists(deps.keys.board(boardId).risk.clusterKnown('voter:p-9'))).toBe(0);
  });

  it('keeps a known cluster per ten minutes of acceptance: a live stop never hides a backlog’s older one', async () => {
    const followUp = createRiskFollowUp({
      ...deps,
      reviewQueue: { addBulk: vi.fn(async () => []) } as never,
    });
    const boardId = randomId('board');
    const known = deps.keys.board(boardId).risk.clusterKnown('ip:192.0.2.7@alice');
    const span = (t: number) => Math.floor(t / 600_000);
    // A backlog's stops of two hours ago (the first and the latest of their ten minutes kept),
    // then a live one: each ten minutes keeps its own.
    const old = span(Date.now() - 7_200_000) * 600_000;
    for (const at of [old + 300_000, old + 60_000, old + 500_000, Date.now()])
      await followUp([stopped(boardId, 'ip:192.0.2.7@alice', at)]);
    const entries = await deps.redis.zrangebyscore(known, '-inf', '+inf', 'WITHSCORES');
    expect(entries.slice(0, 4)).toEqual([
      `${span(old)}:first`,
      String(old + 60_000),
      `${span(old)}:last`,
      String(old + 500_000),
    ]);
    expect(entries).toHaveLength(8);
  });

  it("takes back an account's votes of the day, but keeps its account known for ten minutes only", async () => {
    const addBulk = vi.fn(async (_jobs: { data: { since: number } }[]) => []);
    const followUp = createRiskFollowUp({ ...deps, reviewQueue: { addBulk } as never });
    const boardId = randomId('board');
    const at = Date.now();
    await followUp([stopped(boardId, 'voter:p-7', at)]);
    expect(addBulk.mock.calls[0]?.[0]?.[0]?.data.since).toBe(at - 86_400_000);
    // Its later votes are judged by their own rules again after ten minutes: a wrongly held
    // voter does not lose every vote of the day, whenever its holds run.
    const hold = addBulk.mock.calls[0]?.[0]?.[0]?.data as HoldClusterJob;
    expect(holdReach(hold)).toBe(at + 600_000);
    expect(knownAt('voter:p-7', at, at + 600_000)).toBe(true);
    expect(knownAt('voter:p-7', at, at + 600_001)).toBe(false);
  });
});
