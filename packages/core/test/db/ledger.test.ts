import { mongo as driver } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { boardModel } from '../../src/db/boards.js';
import { connectMongo, pingMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel, recordEachVote, recordVotes } from '../../src/db/ledger.js';
import { isStoreUnavailable } from '../../src/queue/store-outage.js';
import { unmetWriteConcern } from './write-concern.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
const ledger = () => ledgerModel(mongo);

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  await ledger().init();
});
afterAll(() => mongo.close());

import { record, rejectedRecord, stored, unchangedRecord, YESTERDAY } from './ledger-records.js';

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

describe("the ledger's indexes", () => {
  it("count a board's counted records of a range of days on an index, as an archive's recheck does every minute", async () => {
    const counting = { boardId: 1, verdict: 1, day: 1 };
    const keys = ledger()
      .schema.indexes()
      .map(([key]) => key);
    expect(keys).toContainEqual(counting);
    // It serves a board's records by verdict too: no index of that prefix alone beside it.
    expect(keys).not.toContainEqual({ boardId: 1, verdict: 1 });
    expect((await ledger().collection.indexes()).map((index) => index.key)).toContainEqual(counting);
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

describe('recordEachVote', () => {
  it('writes every record it can and answers, per record, why one is not on the ledger', async () => {
    const boardId = randomId('board');
    const [one, two, three] = [record(boardId), record(boardId), record(boardId)];
    await recordVotes(ledger(), [two]);
    const invalid = { ...record(boardId), seq: 0 };
    const answers = await recordEachVote(ledger(), [one, invalid, two, three]);
    // Already present counts as on the ledger.
    expect(answers.map((a) => a === undefined)).toEqual([true, false, true, true]);
    expect(answers[1]?.message).toContain(invalid._id);
    const ids = [one, invalid, two, three].map((r) => r._id);
    const present = await ledger()
      .find({ _id: { $in: ids } }, { _id: 1 })
      .lean();
    expect(present.map((r) => r._id).sort()).toEqual([one._id, two._id, three._id].sort());
  });

  it('throws when the write as a whole fails', async () => {
    const closed = await connectMongo(config.mongo.uri, 'test');
    await closed.close();
    await expect(recordEachVote(ledgerModel(closed), [record(randomId('board'))])).rejects.toThrow();
  });

  it('throws, for the write to be done again, when a record of its own is refused and the write concern was not met', async () => {
    const boardId = randomId('board');
    const [present, fresh] = [record(boardId), record(boardId)];
    await recordVotes(ledger(), [present]);
    // A replica set's answer: the duplicate's write error, and the write concern not met for
    // the insert that went through (it may yet be rolled back).
    const answered = await unmetWriteConcern(ledger().collection, [stored(present)], [stored(fresh)]);
    const insert = vi.spyOn(ledger().collection, 'insertMany').mockRejectedValue(answered);
    try {
      await expect(recordEachVote(ledger(), [present, fresh])).rejects.toBe(answered);
      await expect(recordVotes(ledger(), [present, fresh])).rejects.toBe(answered);
    } finally {
      insert.mockRestore();
    }
  });

  it.each([
    ['a connection reset mid-insert', () => new driver.MongoNetworkError('connection reset'), true],
    [
      'no server to write to',
      () => new driver.MongoServerSelectionError('Server selection timed out', {} as never),
      true,
    ],
    [
      'a command the store refused whole',
      () => new driver.MongoServerError({ message: 'database is locked', code: 1 }),
      false,
    ],
  ])(
    'throws %s, which the driver reports as a bulk error without per-record answers, as the outage it is or not',
    async (_what, cause, outage) => {
      const boardId = randomId('board');
      const votes = [record(boardId), record(boardId)];
      // As the driver's bulk executor wraps an error of the whole command: no write errors.
      const wrapped = new driver.MongoBulkWriteError(cause(), { insertedCount: 0 } as never);
      const insert = vi.spyOn(ledger().collection, 'insertMany').mockRejectedValueOnce(wrapped);
      try {
        await expect(recordEachVote(ledger(), votes)).rejects.toBe(wrapped);
      } finally {
        insert.mockRestore();
      }
      // The workers' jobs wait out an outage without using attempts (vote-worker.ts).
      expect(isStoreUnavailable(wrapped)).toBe(outage);
    },
  );
});
