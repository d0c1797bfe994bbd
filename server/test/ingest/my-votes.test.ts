import { connectMongo, type LedgerVote, ledgerModel, recordVotes } from '@rallyboard/core/db';
import {
  dayOf,
  ERROR_CATALOGUE,
  type ErrorBody,
  type QuotaStatus,
  type VoteStatus,
} from '@rallyboard/core/protocol';
import { applyVotes, dayExpiresAt } from '@rallyboard/core/redis';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { seedBoard, startTestServer, type TestServer } from '../../../test/support/stack.js';
import { createTokenSigner } from '../../src/auth/tokens.js';
import { createVoteIds } from '../../src/ingest/vote-ids.js';

const config = testConfig();
const tokens = createTokenSigner(config.auth);
const voteIds = createVoteIds(config.auth);
let server: TestServer;
let mongo: Connection;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  server = await startTestServer(config, mongo);
});
afterAll(async () => {
  await server.close();
  await mongo.close();
});

const participant = async (participantId: string) => (await tokens.participant({ participantId })).token;
async function get(path: string, token?: string) {
  const res = await fetch(
    `${server.url}${path}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return { status: res.status, body: (await res.json()) as unknown };
}

/** Applies votes as the worker's script does: a marker per vote id, quotas counted. */
async function applyAs(boardId: string, voterId: string, votes: { voteId: string; candidateId: string }[]) {
  const now = Date.now();
  const result = await applyVotes(
    server.deps.redis,
    server.deps.keys,
    boardId,
    votes.map((v) => ({
      ...v,
      action: 'vote' as const,
      voterId,
      day: dayOf(now, 'Asia/Shanghai'),
      dayExpiresAt: dayExpiresAt(now, 8),
    })),
    { dedupTtlSeconds: 3_600, origin: 'test' },
  );
  if (result.outcome !== 'applied') throw new Error(result.outcome);
  return result;
}

describe('GET /api/boards/:boardId/votes/:voteId', () => {
  it('answers queued for my vote nobody has decided yet', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const voteId = voteIds.issue(boardId, 'p-alice');
    const { status, body } = await get(
      `/api/boards/${boardId}/votes/${voteId}`,
      await participant('p-alice'),
    );
    expect(status).toBe(200);
    expect(body).toEqual({ voteId, boardId, status: 'queued' });
  });

  it('answers the verdict once the worker decided it, before and after its record is written', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const voteId = voteIds.issue(boardId, 'p-alice', 'tap-0001');
    await applyAs(boardId, 'p-alice', [{ voteId, candidateId: 'bob' }]);
    const token = await participant('p-alice');
    expect((await get(`/api/boards/${boardId}/votes/${voteId}`, token)).body).toEqual({
      voteId,
      boardId,
      status: 'counted',
    });

    const decidedAt = new Date();
    await recordVotes(ledgerModel(mongo), [
      {
        _id: voteId,
        boardId,
        candidateId: 'bob',
        action: 'vote',
        voterId: 'p-alice',
        verdict: 'counted',
        delta: 1,
        seq: 1,
        day: dayOf(Date.now(), 'Asia/Shanghai'),
        acceptedAt: decidedAt,
        decidedAt,
      },
    ]);
    expect((await get(`/api/boards/${boardId}/votes/${voteId}`, token)).body).toEqual({
      voteId,
      boardId,
      status: 'counted',
      candidateId: 'bob',
      action: 'vote',
      decidedAt: decidedAt.toISOString(),
    });
  });

  it('gives a rejected vote its catalogue code and message', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const voteId = voteIds.issue(boardId, 'p-alice');
    await applyAs(boardId, 'p-alice', [{ voteId, candidateId: 'nobody' }]);
    expect((await get(`/api/boards/${boardId}/votes/${voteId}`, await participant('p-alice'))).body).toEqual({
      voteId,
      boardId,
      status: 'rejected',
      reason: 'UNKNOWN_MEMBER',
      message: ERROR_CATALOGUE.UNKNOWN_MEMBER.message,
    });
  });

  it("answers VOTE_NOT_FOUND for someone else's vote, another board's, or an id we never issued", async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const other = await seedBoard(config, server.deps.redis, mongo);
    const voteId = voteIds.issue(boardId, 'p-alice');
    const bob = await participant('p-bob');
    for (const [path, token] of [
      [`/api/boards/${boardId}/votes/${voteId}`, bob],
      [`/api/boards/${other}/votes/${voteId}`, await participant('p-alice')],
      [`/api/boards/${boardId}/votes/${voteId.slice(0, -2)}xx`, await participant('p-alice')],
      [`/api/boards/${boardId}/votes/no-mac-at-all`, await participant('p-alice')],
    ] as const) {
      const { status, body } = await get(path, token);
      expect(status, path).toBe(404);
      expect((body as ErrorBody).error.code).toBe('VOTE_NOT_FOUND');
    }
  });

  it('asks for a participant token', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const voteId = voteIds.issue(boardId, 'p-alice');
    expect((await get(`/api/boards/${boardId}/votes/${voteId}`)).status).toBe(401);
    const host = (await tokens.host({ hostId: 'h1', role: 'admin' })).token;
    const { status, body } = await get(`/api/boards/${boardId}/votes/${voteId}`, host);
    expect(status).toBe(401);
    expect((body as ErrorBody).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('GET /api/me/votes', () => {
  it("lists my decided votes on a board, newest first, page by page, and nobody else's", async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const base = Date.now() - 60_000;
    const record = (i: number, voterId: string): LedgerVote => ({
      _id: randomId('v'),
      boardId,
      candidateId: 'alice',
      action: 'vote',
      voterId,
      verdict: i === 1 ? 'rejected' : 'counted',
      ...(i === 1 ? { reason: 'QUOTA_EXCEEDED' } : { delta: 1, seq: i + 1 }),
      day: dayOf(base, 'Asia/Shanghai'),
      acceptedAt: new Date(base + i * 1_000),
      decidedAt: new Date(base + i * 1_000 + 5),
    });
    const mine = [0, 1, 2].map((i) => record(i, 'p-carol'));
    await recordVotes(ledgerModel(mongo), [...mine, record(3, 'p-dave')]);
    const token = await participant('p-carol');

    const first = (await get(`/api/me/votes?boardId=${boardId}&limit=2`, token)).body as {
      votes: VoteStatus[];
      nextBefore: string | null;
    };
    expect(first.votes.map((v) => v.voteId)).toEqual([mine[2]?._id, mine[1]?._id]);
    expect(first.votes[1]).toMatchObject({ status: 'rejected', reason: 'QUOTA_EXCEEDED' });
    const second = (await get(`/api/me/votes?boardId=${boardId}&limit=2&before=${first.nextBefore}`, token))
      .body as { votes: VoteStatus[]; nextBefore: string | null };
    expect(second.votes.map((v) => v.voteId)).toEqual([mine[0]?._id]);
    expect(second.nextBefore).toBeNull();
  });
  it('pages with a cursor through votes accepted in the same millisecond, skipping none', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const acceptedAt = new Date(Date.now() - 30_000);
    // Real vote ids, each with the dots of its mac; all accepted at one instant.
    const ids = Array.from({ length: 5 }, () => voteIds.issue(boardId, 'p-frank'));
    await recordVotes(
      ledgerModel(mongo),
      ids.map((voteId, i) => ({
        _id: voteId,
        boardId,
        candidateId: 'alice',
        action: 'vote',
        voterId: 'p-frank',
        verdict: 'counted',
        delta: 1,
        seq: i + 1,
        day: dayOf(acceptedAt.getTime(), 'Asia/Shanghai'),
        acceptedAt,
        decidedAt: acceptedAt,
      })),
    );
    const token = await participant('p-frank');

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `boardId=${boardId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await get(`/api/me/votes?${query}`, token);
      expect(status).toBe(200);
      const page = body as { votes: VoteStatus[]; nextCursor: string | null };
      seen.push(...page.votes.map((v) => v.voteId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('refuses a cursor together with before', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const { status, body } = await get(
      `/api/me/votes?boardId=${boardId}&cursor=1.abc&before=${new Date().toISOString()}`,
      await participant('p-frank'),
    );
    expect(status).toBe(400);
    expect((body as ErrorBody).error.code).toBe('INVALID_INPUT');
  });
});

describe('GET /api/boards/:boardId/quota', () => {
  it('shows limits, what I used and what remains, with the next local midnight as the reset', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo, ['alice', 'bob'], {
      quotas: { perDay: 3, perCandidatePerDay: 2, total: 10 },
    });
    await applyAs(boardId, 'p-erin', [
      { voteId: voteIds.issue(boardId, 'p-erin'), candidateId: 'alice' },
      { voteId: voteIds.issue(boardId, 'p-erin'), candidateId: 'alice' },
    ]);
    const { status, body } = await get(`/api/boards/${boardId}/quota`, await participant('p-erin'));
    expect(status).toBe(200);
    const quota = body as QuotaStatus;
    expect(quota).toMatchObject({
      boardId,
      day: dayOf(Date.now(), 'Asia/Shanghai'),
      limits: { perDay: 3, perCandidatePerDay: 2, total: 10 },
      used: { today: 2, total: 2, byCandidate: { alice: 2 } },
      remainingToday: 1,
      remainingTotal: 8,
    });
    // Midnight in Shanghai is 16:00 UTC, within the next day.
    expect(quota.resetsAt).toMatch(/T16:00:00\.000Z$/);
    expect(Date.parse(quota.resetsAt) - Date.now()).toBeGreaterThan(0);
    expect(Date.parse(quota.resetsAt) - Date.now()).toBeLessThanOrEqual(86_400_000);
  });

  it('says there is no limit on a board without quotas', async () => {
    const boardId = await seedBoard(config, server.deps.redis, mongo);
    const quota = (await get(`/api/boards/${boardId}/quota`, await participant('p-erin')))
      .body as QuotaStatus;
    expect(quota).toMatchObject({
      limits: { perDay: null, perCandidatePerDay: null, total: null },
      remainingToday: null,
      remainingTotal: null,
    });
  });

  it('answers BOARD_NOT_FOUND for a board that does not exist', async () => {
    const { status, body } = await get(`/api/boards/${randomId('board')}/quota`, await participant('p-erin'));
    expect(status).toBe(404);
    expect((body as ErrorBody).error.code).toBe('BOARD_NOT_FOUND');
  });
});
