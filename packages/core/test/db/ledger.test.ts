import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { boardModel } from '../../src/db/boards.js';
import { connectMongo, pingMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel, recordVotes } from '../../src/db/ledger.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  await ledgerModel(mongo).init();
});
afterAll(() => mongo.close());

const record = (boardId: string, voteId: string, verdict: LedgerVote['verdict'] = 'counted'): LedgerVote => ({
  _id: voteId,
  boardId,
  candidateId: 'alice',
  verdict,
  ...(verdict === 'rejected' ? { reason: 'UNKNOWN_MEMBER' } : {}),
  acceptedAt: new Date('2026-11-24T08:00:00.000Z'),
  decidedAt: new Date('2026-11-24T08:00:01.000Z'),
});

describe('the MongoDB connection', () => {
  it('answers a ping', async () => {
    await expect(pingMongo(mongo)).resolves.toBeUndefined();
  });
});

describe('the boards collection', () => {
  it('round-trips a board with its members', async () => {
    const boardId = randomId('board');
    await boardModel(mongo).create({
      _id: boardId,
      title: '年度人气评选',
      kind: 'vote',
      members: [{ candidateId: 'c01', name: '林小夏' }],
    });
    const found = await boardModel(mongo).findById(boardId).lean();
    expect(found).toMatchObject({
      title: '年度人气评选',
      kind: 'vote',
      members: [{ candidateId: 'c01', name: '林小夏' }],
    });
    expect(found?.createdAt).toBeInstanceOf(Date);
  });
});

describe('recordVotes', () => {
  it('writes records that read back field for field', async () => {
    const boardId = randomId('board');
    const votes = [record(boardId, randomId('v')), record(boardId, randomId('v'), 'rejected')];
    expect(await recordVotes(ledgerModel(mongo), votes)).toBe(2);
    const stored = await ledgerModel(mongo).find({ boardId }).sort({ verdict: 1 }).lean();
    expect(stored).toEqual([votes[0], votes[1]]);
  });

  it('is idempotent by vote id: a second write of the same votes adds nothing', async () => {
    const boardId = randomId('board');
    const votes = [record(boardId, randomId('v')), record(boardId, randomId('v'))];
    await recordVotes(ledgerModel(mongo), votes);
    const fresh = record(boardId, randomId('v'));
    expect(await recordVotes(ledgerModel(mongo), [...votes, fresh])).toBe(1);
    expect(await ledgerModel(mongo).countDocuments({ boardId })).toBe(3);
  });

  it('still fails loudly on an error other than a duplicate', async () => {
    const invalid = {
      ...record(randomId('board'), randomId('v')),
      verdict: 'maybe',
    } as unknown as LedgerVote;
    await expect(recordVotes(ledgerModel(mongo), [invalid])).rejects.toThrow();
  });
});
