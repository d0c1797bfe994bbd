import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { boardModel } from '../../src/db/boards.js';
import { connectMongo, pingMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel, recordVotes } from '../../src/db/ledger.js';
import { readLedgerState } from '../../src/db/ledger-state.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
const ledger = () => ledgerModel(mongo);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  await ledger().init();
});
afterAll(() => mongo.close());

const TODAY = '2026-11-25';
const YESTERDAY = '2026-11-24';
const acceptedAt = new Date('2026-11-25T08:00:00.000Z');

/** A counted +1 vote unless told otherwise. */
function record(boardId: string, over: Partial<LedgerVote> = {}): LedgerVote {
  return {
    _id: randomId('v'),
    boardId,
    candidateId: 'alice',
    action: 'vote',
    verdict: 'counted',
    delta: 1,
    seq: 1,
    day: TODAY,
    acceptedAt,
    decidedAt: new Date(acceptedAt.getTime() + 1_000),
    ...over,
  };
}

const counted = (boardId: string, candidateId: string, seq: number, over: Partial<LedgerVote> = {}) =>
  record(boardId, { candidateId, seq, ...over });

const likeRecord = (boardId: string, candidateId: string, voterId: string, seq: number, delta: 1 | -1) =>
  record(boardId, { candidateId, voterId, seq, delta, action: delta === 1 ? 'like' : 'unlike' });

const unchangedRecord = (boardId: string, over: Partial<LedgerVote> = {}) =>
  record(boardId, {
    action: 'like',
    voterId: 'u1',
    verdict: 'unchanged',
    delta: undefined,
    seq: undefined,
    ...over,
  });

const rejectedRecord = (boardId: string, reason = 'UNKNOWN_MEMBER', over: Partial<LedgerVote> = {}) =>
  record(boardId, {
    candidateId: 'ghost',
    verdict: 'rejected',
    reason,
    delta: undefined,
    seq: undefined,
    ...over,
  });

/** Drops the keys a record leaves undefined, as they read back from the database. */
const stored = (vote: LedgerVote) =>
  Object.fromEntries(Object.entries(vote).filter(([, v]) => v !== undefined));

describe('the MongoDB connection', () => {
  it('answers a ping', async () => {
    await expect(pingMongo(mongo)).resolves.toBeUndefined();
  });
});

describe('the boards collection', () => {
  it('round-trips a board with its members and fills in the defaults', async () => {
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
      timezone: 'Asia/Shanghai',
      dailyRetentionDays: 8,
      members: [{ candidateId: 'c01', name: '林小夏' }],
    });
    expect(found?.createdAt).toBeInstanceOf(Date);
  });
});

describe('recordVotes', () => {
  it('writes counted, unchanged and rejected records that read back field for field', async () => {
    const boardId = randomId('board');
    const votes = [
      record(boardId, { voterId: 'u9', seq: 4, delta: -1, action: 'unlike', day: YESTERDAY }),
      unchangedRecord(boardId),
      rejectedRecord(boardId, 'ACTION_NOT_ALLOWED'),
    ];
    expect(await recordVotes(ledger(), votes)).toBe(3);
    for (const vote of votes) expect(await ledger().findById(vote._id).lean()).toEqual(stored(vote));
  });

  it('is idempotent by vote id: writing the same votes again adds only the new ones', async () => {
    const boardId = randomId('board');
    const [one, two, three, four, five] = [1, 2, 3, 4, 5].map((seq) => record(boardId, { seq })) as [
      LedgerVote,
      LedgerVote,
      LedgerVote,
      LedgerVote,
      LedgerVote,
    ];
    expect(await recordVotes(ledger(), [one, two])).toBe(2);
    // Several duplicates and one new record.
    expect(await recordVotes(ledger(), [one, two, three])).toBe(1);
    // One duplicate among new records.
    expect(await recordVotes(ledger(), [four, one, five])).toBe(2);
    // Nothing but duplicates.
    expect(await recordVotes(ledger(), [two])).toBe(0);
    for (const vote of [one, two, three, four, five]) {
      expect(await ledger().findById(vote._id).lean()).toEqual(stored(vote));
    }
  });

  it('keeps the first record of a vote id, never overwriting it', async () => {
    const boardId = randomId('board');
    const first = record(boardId, { seq: 7 });
    await recordVotes(ledger(), [first]);
    expect(await recordVotes(ledger(), [{ ...first, seq: 8, candidateId: 'bob' }])).toBe(0);
    expect(await ledger().findById(first._id).lean()).toEqual(stored(first));
  });

  it('writes nothing for an empty list', async () => {
    expect(await recordVotes(ledger(), [])).toBe(0);
  });

  it.each([
    ['an unknown verdict', { verdict: 'maybe' }],
    ['an unknown action', { action: 'boost' }],
    ['a delta other than ±1', { delta: 2 }],
    ['a seq below 1', { seq: 0 }],
    ['a day not in YYYY-MM-DD form', { day: '25/11/2026' }],
    ['no candidate', { candidateId: undefined }],
    ['no acceptance time', { acceptedAt: undefined }],
  ])('refuses a record with %s, and stores nothing of it', async (_what, change) => {
    const boardId = randomId('board');
    const invalid = { ...record(boardId), ...change } as unknown as LedgerVote;
    await expect(recordVotes(ledger(), [invalid])).rejects.toThrow();
    expect(await ledger().findById(invalid._id).lean()).toBeNull();
  });
});

describe('readLedgerState', () => {
  it('folds counted votes into totals, per-member counts and the last seq', async () => {
    const boardId = randomId('board');
    await recordVotes(ledger(), [
      counted(boardId, 'alice', 1),
      counted(boardId, 'bob', 2),
      counted(boardId, 'alice', 5),
      counted(boardId, 'carol', 3),
      unchangedRecord(boardId),
      rejectedRecord(boardId),
    ]);
    // Another board's records are not mixed in.
    await recordVotes(ledger(), [counted(randomId('board'), 'alice', 99)]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.records).toBe(6);
    expect(state.seq).toBe(5);
    expect(state.all.total).toBe(4);
    expect(state.all.members).toEqual(
      new Map([
        ['alice', { count: 2, lastSeq: 5 }],
        ['bob', { count: 1, lastSeq: 2 }],
        ['carol', { count: 1, lastSeq: 3 }],
      ]),
    );
    expect(state.likes).toEqual(new Map());
    expect(state.verdicts).toEqual(new Map());
  });

  it('keeps each day in a window of its own', async () => {
    const boardId = randomId('board');
    await recordVotes(ledger(), [
      counted(boardId, 'alice', 1, { day: YESTERDAY }),
      counted(boardId, 'bob', 2, { day: YESTERDAY }),
      counted(boardId, 'alice', 3, { day: TODAY }),
      counted(boardId, 'alice', 4, { day: TODAY }),
    ]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.days).toEqual(
      new Map([
        [
          YESTERDAY,
          {
            total: 2,
            members: new Map([
              ['alice', { count: 1, lastSeq: 1 }],
              ['bob', { count: 1, lastSeq: 2 }],
            ]),
          },
        ],
        [TODAY, { total: 2, members: new Map([['alice', { count: 2, lastSeq: 4 }]]) }],
      ]),
    );
    expect(state.all.members.get('alice')).toEqual({ count: 3, lastSeq: 4 });
  });

  it("nets a like board's unlikes, a day's window going below 0 when the like was on another day", async () => {
    const boardId = randomId('board');
    await recordVotes(ledger(), [
      { ...likeRecord(boardId, 'alice', 'u1', 1, 1), day: YESTERDAY },
      likeRecord(boardId, 'alice', 'u1', 2, -1),
    ]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.all).toEqual({ total: 0, members: new Map([['alice', { count: 0, lastSeq: 2 }]]) });
    expect(state.days.get(TODAY)).toEqual({
      total: -1,
      members: new Map([['alice', { count: -1, lastSeq: 2 }]]),
    });
    expect(state.days.get(YESTERDAY)?.total).toBe(1);
  });

  it("builds like sets from each voter's last counted action by seq, whatever order the records were written in", async () => {
    const boardId = randomId('board');
    // Written latest first, in separate writes, so insertion order is the reverse of seq order.
    const history = [
      likeRecord(boardId, 'alice', 'u1', 1, 1),
      likeRecord(boardId, 'alice', 'u2', 2, 1),
      likeRecord(boardId, 'bob', 'u1', 3, 1),
      likeRecord(boardId, 'alice', 'u1', 4, -1),
      likeRecord(boardId, 'bob', 'u1', 5, -1),
      likeRecord(boardId, 'bob', 'u1', 6, 1),
      likeRecord(boardId, 'carol', 'u3', 7, 1),
      likeRecord(boardId, 'carol', 'u3', 8, -1),
    ];
    for (const vote of [...history].reverse()) await recordVotes(ledger(), [vote]);
    // A repeated like (unchanged) after an unlike does not bring the like back.
    await recordVotes(ledger(), [unchangedRecord(boardId, { candidateId: 'carol', voterId: 'u3' })]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.likes).toEqual(
      new Map([
        ['alice', new Set(['u2'])],
        ['bob', new Set(['u1'])],
      ]),
    );
    expect(state.all.members.get('alice')).toEqual({ count: 1, lastSeq: 4 });
    expect(state.all.members.get('bob')).toEqual({ count: 1, lastSeq: 6 });
    expect(state.all.members.get('carol')).toEqual({ count: 0, lastSeq: 8 });
    expect(state.all.total).toBe(2);
  });

  it("makes no like sets from a vote board's votes, even when they name their voter", async () => {
    const boardId = randomId('board');
    await recordVotes(ledger(), [
      counted(boardId, 'alice', 1, { voterId: 'u1' }),
      counted(boardId, 'alice', 2, { voterId: 'u2' }),
    ]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.all.members.get('alice')).toEqual({ count: 2, lastSeq: 2 });
    // A vote is not a like: a rebuild must not fill like sets for a vote board.
    expect(state.likes).toEqual(new Map());
  });

  it('collects every verdict as its marker text when asked', async () => {
    const boardId = randomId('board');
    const votes = [
      counted(boardId, 'alice', 3),
      likeRecord(boardId, 'bob', 'u1', 4, -1),
      unchangedRecord(boardId),
      rejectedRecord(boardId, 'SCORE_LIMIT'),
    ];
    await recordVotes(ledger(), votes);
    const state = await readLedgerState(ledger(), boardId, { verdicts: true });
    const [vote, unlike, same, refused] = votes as [LedgerVote, LedgerVote, LedgerVote, LedgerVote];
    expect(state.verdicts).toEqual(
      new Map([
        [vote._id, { text: 'c,3,1', decidedAt: vote.decidedAt }],
        [unlike._id, { text: 'c,4,-1', decidedAt: unlike.decidedAt }],
        [same._id, { text: 'u', decidedAt: same.decidedAt }],
        [refused._id, { text: 'r,SCORE_LIMIT', decidedAt: refused.decidedAt }],
      ]),
    );
  });

  it('reads an empty state for a board without records', async () => {
    expect(await readLedgerState(ledger(), randomId('board'), { verdicts: true })).toEqual({
      seq: 0,
      all: { total: 0, members: new Map() },
      days: new Map(),
      likes: new Map(),
      verdicts: new Map(),
      quotas: { totals: new Map(), days: new Map() },
      records: 0,
    });
  });
});
