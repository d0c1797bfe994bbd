import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { connectMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel, recordVotes } from '../../src/db/ledger.js';
import { readLedgerState } from '../../src/db/ledger-state.js';
import { counted, likeRecord, rejectedRecord, TODAY, unchangedRecord, YESTERDAY } from './ledger-records.js';

const DAY_MS = 86_400_000;
/** When the fixture's records were decided. */
const NOW = Date.parse('2026-11-25T08:00:01.000Z');
const LONG_AGO = '2026-10-16';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
const ledger = () => ledgerModel(mongo);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  await ledger().init();
});
afterAll(() => mongo.close());

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
            counted: 2,
          },
        ],
        [TODAY, { total: 2, members: new Map([['alice', { count: 2, lastSeq: 4 }]]), counted: 2 }],
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
      counted: 1,
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

  it('collects each verdict as its marker text when asked', async () => {
    const boardId = randomId('board');
    const votes = [
      counted(boardId, 'alice', 3),
      likeRecord(boardId, 'bob', 'u1', 4, -1),
      unchangedRecord(boardId),
      rejectedRecord(boardId, 'SCORE_LIMIT'),
    ];
    await recordVotes(ledger(), votes);
    const state = await readLedgerState(ledger(), boardId, { verdicts: { decidedAfter: new Date(0) } });
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

  it('keeps only the verdicts of votes decided after the time asked: those whose markers still live', async () => {
    const boardId = randomId('board');
    const markersLive = new Date(NOW - 30 * DAY_MS);
    const old = [
      counted(boardId, 'alice', 1, { decidedAt: new Date(NOW - 40 * DAY_MS) }),
      rejectedRecord(boardId, 'UNKNOWN_MEMBER', { decidedAt: new Date(NOW - 40 * DAY_MS) }),
    ];
    await recordVotes(ledger(), old);
    const oldOnly = await readLedgerState(ledger(), boardId, { verdicts: { decidedAfter: markersLive } });
    expect(oldOnly.verdicts).toEqual(new Map());
    // The rankings still count every record.
    expect(oldOnly).toMatchObject({ records: 2, seq: 1, all: { total: 1 } });

    const recent = counted(boardId, 'alice', 2, { decidedAt: new Date(NOW) });
    await recordVotes(ledger(), [recent]);
    const state = await readLedgerState(ledger(), boardId, { verdicts: { decidedAfter: markersLive } });
    expect([...state.verdicts.keys()]).toEqual([recent._id]);
  });

  it("keeps quota use per day only for the days asked for, and every voter's total over all days", async () => {
    const boardId = randomId('board');
    await recordVotes(ledger(), [
      counted(boardId, 'alice', 1, { voterId: 'u1', day: LONG_AGO }),
      counted(boardId, 'bob', 2, { voterId: 'u2', day: LONG_AGO }),
      counted(boardId, 'alice', 3, { voterId: 'u1', day: YESTERDAY }),
      counted(boardId, 'bob', 4, { voterId: 'u1', day: TODAY }),
    ]);
    const state = await readLedgerState(ledger(), boardId, { quotas: { days: [TODAY, YESTERDAY] } });
    expect(state.quotas.totals).toEqual(
      new Map([
        ['u1', 3],
        ['u2', 1],
      ]),
    );
    expect(state.quotas.days).toEqual(
      new Map([
        [YESTERDAY, new Map([['u1', new Map([['alice', 1]])]])],
        [TODAY, new Map([['u1', new Map([['bob', 1]])]])],
      ]),
    );
  });

  it("keeps each day's latest acceptance of a counted vote, a retraction's own time aside", async () => {
    const boardId = randomId('board');
    const early = new Date('2026-11-24T17:00:00.000Z');
    const late = new Date('2026-11-25T09:30:00.000Z');
    const taken = counted(boardId, 'alice', 1, { acceptedAt: early });
    await recordVotes(ledger(), [
      taken,
      counted(boardId, 'bob', 2, { acceptedAt: late }),
      rejectedRecord(boardId, 'UNKNOWN_MEMBER', { acceptedAt: new Date('2026-11-25T15:00:00.000Z') }),
      counted(boardId, 'alice', 3, { day: YESTERDAY, acceptedAt: new Date('2026-11-24T10:00:00.000Z') }),
      // Taken back days later: it applies with its vote's acceptance time, not its own.
      counted(boardId, 'alice', 4, {
        action: 'retract',
        delta: -1,
        retracts: taken._id,
        acceptedAt: new Date('2026-12-01T00:00:00.000Z'),
      }),
    ]);
    const state = await readLedgerState(ledger(), boardId);
    expect(state.lastAcceptedAt).toEqual(
      new Map([
        [TODAY, late.getTime()],
        [YESTERDAY, Date.parse('2026-11-24T10:00:00.000Z')],
      ]),
    );
  });

  it('reads an empty state for a board without records', async () => {
    const everything = { verdicts: { decidedAfter: new Date(0) }, quotas: { days: [TODAY] } };
    expect(await readLedgerState(ledger(), randomId('board'), everything)).toEqual({
      seq: 0,
      all: { total: 0, members: new Map() },
      days: new Map(),
      lastAcceptedAt: new Map(),
      likes: new Map(),
      verdicts: new Map(),
      quotas: { totals: new Map(), days: new Map() },
      records: 0,
    });
  });
});
