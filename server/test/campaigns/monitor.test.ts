import { connectMongo } from '@rallyboard/core/db';
import type { CampaignMonitor } from '@rallyboard/core/protocol';
import { VOTE_JOB, type VoteJob } from '@rallyboard/core/queue';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveCampaign } from '../../../test/support/campaigns.js';
import { testConfig } from '../../../test/support/config.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../../../test/support/stack.js';
import { castVote } from '../../../test/support/votes.js';
import { call, codeOf, createTestHost, type TestHost } from '../support/hosts.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let host: TestHost;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
  host = await createTestHost(server);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const monitor = async (campaignId: string, token = host.token) =>
  call<CampaignMonitor>(server, token, 'GET', `/api/campaigns/${campaignId}/monitor`);

describe('the live monitor', () => {
  it('shows votes per second, a queue that waits while no worker runs, then the verdicts once one does', async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob']);
    await createLiveCampaign(mongo, campaignId, { createdBy: host.id });

    const quiet = await monitor(campaignId);
    expect(quiet.status).toBe(200);
    expect(quiet.body).toMatchObject({
      status: 'live',
      total: 0,
      verdicts: { counted: 0, held: 0, rejected: 0 },
    });
    expect(quiet.body.votesPerSecond).toHaveLength(60);

    // No worker yet: the votes wait in the queue.
    for (let i = 0; i < 6; i++) {
      const res = await castVote(server, campaignId, i % 2 ? 'alice' : 'bob', {
        participantId: `p-mon-${i}`,
      });
      expect(res.status).toBe(202);
    }
    // The tallies of the seconds that have passed: the current second is still filling.
    let waiting: CampaignMonitor | undefined;
    await eventually(
      async () => {
        waiting = (await monitor(campaignId)).body;
        return waiting.votesPerSecond.reduce((n, s) => n + s.votes, 0) === 6;
      },
      10_000,
      'six votes in the per-second tally',
    );
    const seen = waiting as CampaignMonitor;
    expect(seen.rate).toBeCloseTo(6 / 60, 5);
    expect(seen.queue.depth).toBeGreaterThanOrEqual(1);
    expect(seen.queue.depth).toBe(seen.queue.waiting + seen.queue.delayed + seen.queue.active);
    expect(seen.queue.lagMs).toBeGreaterThan(0);
    const seconds = seen.votesPerSecond.map((s) => Date.parse(s.at));
    expect(seconds.every((at, i) => i === 0 || at - (seconds[i - 1] as number) === 1_000)).toBe(true);

    // A worker drains the queue: the lag goes to 0 and the verdicts are tallied.
    const worker = await startTestWorker(config, mongo);
    try {
      let drained: CampaignMonitor | undefined;
      await eventually(
        async () => {
          drained = (await monitor(campaignId)).body;
          return drained.queue.depth === 0 && drained.verdicts.counted === 6;
        },
        20_000,
        'the queue drained and six votes counted',
      );
      expect(drained).toMatchObject({ total: 6, verdicts: { counted: 6, held: 0, rejected: 0 } });
      expect(drained?.queue.lagMs).toBe(0);
    } finally {
      await worker.close();
    }
  });

  it("shows the campaign's dead-lettered votes: accepted, in jobs that failed for good", async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await createLiveCampaign(mongo, campaignId, { createdBy: host.id, candidateIds: ['alice'] });
    expect((await monitor(campaignId)).body.deadLetters).toEqual({ jobs: 0, votes: 0 });
    const vote = (voteId: string, action: string) => ({
      voteId,
      candidateId: 'alice',
      action,
      acceptedAt: Date.now(),
    });
    // A vote no deploy can decide (an action that does not exist): its job fails for good.
    await server.deps.voteQueue.add(VOTE_JOB, {
      boardId: campaignId,
      votes: [vote(`v-${campaignId}-1`, 'vote'), vote(`v-${campaignId}-2`, 'boost')],
    } as unknown as VoteJob);
    const worker = await startTestWorker(config, mongo);
    try {
      await eventually(
        async () => (await monitor(campaignId)).body.deadLetters?.jobs === 1,
        20_000,
        'the dead letter on the monitor',
      );
      expect((await monitor(campaignId)).body.deadLetters).toEqual({ jobs: 1, votes: 2 });
    } finally {
      await worker.close();
    }
  });

  it('shows a board fenced by a rebuild from the ledger, whose votes wait, until its install', async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await createLiveCampaign(mongo, campaignId, { createdBy: host.id, candidateIds: ['alice'] });
    expect((await monitor(campaignId)).body.rebuilding).toBe(false);
    // A rebuild's fence, held as one that failed part-way leaves it (workers/src/recovery/fence.ts).
    const fence = server.deps.keys.board(campaignId).fence;
    await server.deps.redis.set(fence, 'rebuild-token');
    expect((await monitor(campaignId)).body.rebuilding).toBe(true);
    await server.deps.redis.del(fence);
    expect((await monitor(campaignId)).body.rebuilding).toBe(false);
  });

  it("answers CAMPAIGN_NOT_FOUND for another host's campaign", async () => {
    const campaignId = await seedBoard(config, server.deps.redis, mongo, ['alice']);
    await createLiveCampaign(mongo, campaignId, { createdBy: host.id, candidateIds: ['alice'] });
    const stranger = await createTestHost(server);
    const answer = await monitor(campaignId, stranger.token);
    expect(answer.status).toBe(404);
    expect(codeOf(answer)).toBe('CAMPAIGN_NOT_FOUND');
  });
});
