import { connectMongo, ledgerModel } from '@rallyboard/core/db';
import type { QuotaStatus, VoteStatus } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../support/config.js';
import { asParticipant } from '../support/participants.js';
import {
  eventually,
  seedBoard,
  startTestServer,
  startTestWorker,
  type TestServer,
} from '../support/stack.js';
import { castVote, readRanking } from '../support/votes.js';

const config = testConfig();
let mongo: Connection;
let server: TestServer;
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await worker?.close();
  await server.close();
  await mongo.close();
});

const getAs = async <T>(participantId: string, path: string): Promise<T> =>
  (await (
    await fetch(`${server.url}${path}`, { headers: await asParticipant(config, participantId) })
  ).json()) as T;

describe('quotas, end to end', () => {
  it('count exactly the quota of a burst that ingest let through, reject the rest with the reason on record, and say so to the voter', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob', 'carol'], {
      quotas: { perDay: 3, perCandidatePerDay: 2 },
    });
    // A burst before any worker runs: ingest's advisory check sees none of it decided, as when
    // votes come faster than the workers apply them.
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        castVote(server, boardId, i % 2 ? 'alice' : 'bob', { participantId: 'p-eager' }),
      ),
    );
    const accepted = await Promise.all(
      answers
        .filter((res) => res.status === 202)
        .map(async (res) => ((await res.json()) as { voteId: string }).voteId),
    );
    expect(accepted).toHaveLength(12);
    // Another voter is not affected.
    expect((await castVote(server, boardId, 'carol', { participantId: 'p-calm' })).status).toBe(202);
    worker = await startTestWorker(config, mongo);

    await eventually(
      async () => (await ledgerModel(mongo).countDocuments({ boardId })) === accepted.length + 1,
      20_000,
      'every accepted vote decided and recorded',
    );
    const ranking = await readRanking(server.url, boardId);
    expect(ranking.totals.votes).toBe(4);
    const eager = await ledgerModel(mongo).find({ boardId, voterId: 'p-eager' }).lean();
    expect(eager.filter((r) => r.verdict === 'counted')).toHaveLength(3);
    expect(eager.filter((r) => r.verdict === 'rejected').map((r) => r.reason)).toEqual(
      Array(accepted.length - 3).fill('QUOTA_EXCEEDED'),
    );
    // No candidate got more than 2 of them.
    const perCandidate = new Map<string, number>();
    for (const r of eager.filter((r) => r.verdict === 'counted')) {
      perCandidate.set(r.candidateId, (perCandidate.get(r.candidateId) ?? 0) + 1);
    }
    expect(Math.max(...perCandidate.values())).toBeLessThanOrEqual(2);

    const statuses = await Promise.all(
      accepted.map((voteId) => getAs<VoteStatus>('p-eager', `/api/boards/${boardId}/votes/${voteId}`)),
    );
    expect(statuses.filter((s) => s.status === 'counted')).toHaveLength(3);
    expect(statuses.filter((s) => s.status === 'rejected' && s.reason === 'QUOTA_EXCEEDED')).toHaveLength(
      accepted.length - 3,
    );

    const quota = await getAs<QuotaStatus>('p-eager', `/api/boards/${boardId}/quota`);
    expect(quota).toMatchObject({ used: { today: 3 }, remainingToday: 0 });
    // Now ingest knows, and refuses at once.
    const refused = await castVote(server, boardId, 'carol', { participantId: 'p-eager' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('QUOTA_EXCEEDED');
  });
});
