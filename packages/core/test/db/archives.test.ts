import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../../test/support/config.js';
import { archivePeriod } from '../../src/db/archive-periods.js';
import { writeArchive } from '../../src/db/archive-write.js';
import {
  type ArchiveModels,
  archiveIdOf,
  archiveModels,
  archiveVersions,
  readArchive,
} from '../../src/db/archives.js';
import { boardModel } from '../../src/db/boards.js';
import { connectMongo } from '../../src/db/connection.js';
import { type LedgerVote, ledgerModel, recordVotes } from '../../src/db/ledger.js';
import type { LedgerTally } from '../../src/db/ledger-state.js';

const config = testConfig();
let mongo: Awaited<ReturnType<typeof connectMongo>>;
let models: ArchiveModels;

beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  models = archiveModels(mongo);
  await Promise.all([models.archives.init(), models.entries.init(), ledgerModel(mongo).init()]);
});
afterAll(async () => {
  await mongo.close();
});

/** Tallies as the ledger adds them up: `counted` is how many counted records made them (the version). */
const tallies = (rows: [string, number, number][], counted: number) => ({
  total: rows.reduce((sum, [, count]) => sum + count, 0),
  members: new Map<string, LedgerTally>(rows.map(([id, count, lastSeq]) => [id, { count, lastSeq }])),
  counted,
});
const period = (boardId: string) => ({ boardId, window: 'week' as const, start: '2026-11-23', members: 4 });
/** The archive's current version, all its fields. */
const header = async (boardId: string) =>
  (await archiveVersions(models, archiveIdOf(boardId, 'week', '2026-11-23'))).at(-1);
async function page(boardId: string, offset = 0, limit = 10) {
  const archive = await header(boardId);
  if (!archive) throw new Error('no archive');
  return (await readArchive(models, archive, { mode: 'range', offset, limit })).entries;
}

describe('a period archive', () => {
  it('ranks by count, ties to who reached it first, and pages, finds and surrounds a member', async () => {
    const boardId = randomId('board');
    const written = await writeArchive(
      models,
      period(boardId),
      tallies(
        [
          ['a', 2, 9],
          ['b', 3, 4],
          ['c', 2, 5],
          ['d', 0, 7],
        ],
        9,
      ),
    );
    expect(written).toBe('created');
    expect(await header(boardId)).toMatchObject({
      version: 9,
      seq: 9,
      total: 7,
      members: 4,
      ranked: 4,
      end: '2026-11-29',
    });
    expect(await page(boardId)).toEqual([
      { rank: 1, candidateId: 'b', score: 3 },
      { rank: 2, candidateId: 'c', score: 2 },
      { rank: 3, candidateId: 'a', score: 2 },
      { rank: 4, candidateId: 'd', score: 0 },
    ]);
    expect((await page(boardId, 1, 2)).map((e) => e.candidateId)).toEqual(['c', 'a']);
    expect(await page(boardId, 10, 5)).toEqual([]);
    const archive = await header(boardId);
    if (!archive) throw new Error('no archive');
    expect(await readArchive(models, archive, { mode: 'around', candidateId: 'a', k: 1 })).toMatchObject({
      entries: [
        { rank: 2, candidateId: 'c' },
        { rank: 3, candidateId: 'a' },
        { rank: 4, candidateId: 'd' },
      ],
      foci: [{ candidateId: 'a', rank: 3, score: 2 }],
    });
    expect((await readArchive(models, archive, { mode: 'member', candidateId: 'e' })).foci).toEqual([
      { candidateId: 'e', rank: null, score: 0 },
    ]);
  });

  it('moves only forward: a newer ranking corrects it on record, an older or the same one changes nothing', async () => {
    const boardId = randomId('board');
    const first = tallies(
      [
        ['a', 2, 3],
        ['b', 1, 2],
      ],
      3,
    );
    expect(await writeArchive(models, period(boardId), first)).toBe('created');
    expect(await writeArchive(models, period(boardId), first)).toBe('unchanged');
    // A void after the period ended: a retraction of a's vote at seq 10.
    const voided = tallies(
      [
        ['a', 1, 10],
        ['b', 1, 2],
      ],
      4,
    );
    expect(await writeArchive(models, period(boardId), voided, new Date('2026-12-02T00:00:00Z'))).toBe(
      'corrected',
    );
    expect(await writeArchive(models, period(boardId), first)).toBe('unchanged');
    expect(await header(boardId)).toMatchObject({ version: 4, seq: 10, total: 2 });
    // The correction is on record: each version with when it was written and its total.
    const history = await archiveVersions(models, archiveIdOf(boardId, 'week', '2026-11-23'));
    expect(history.map((v) => ({ version: v.version, total: v.total }))).toEqual([
      { version: 3, total: 3 },
      { version: 4, total: 2 },
    ]);
    expect(history[1]?.archivedAt).toEqual(new Date('2026-12-02T00:00:00Z'));
    // b reached 1 first (seq 2); only the current version's entries are kept.
    expect(await page(boardId)).toEqual([
      { rank: 1, candidateId: 'b', score: 1 },
      { rank: 2, candidateId: 'a', score: 1 },
    ]);
    const archiveId = archiveIdOf(boardId, 'week', '2026-11-23');
    expect(await models.entries.countDocuments({ archiveId })).toBe(2);
  });

  it('keeps a whole ranking of hundreds, written by racing writers a slice at a time, and pages through it', async () => {
    const boardId = randomId('board');
    const rows = Array.from({ length: 130 }, (_, i): [string, number, number] => [
      `m${String(i).padStart(3, '0')}`,
      200 - i,
      i + 1,
    ]);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => writeArchive(models, { ...period(boardId), members: 130 }, tallies(rows, 130))),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    const archiveId = archiveIdOf(boardId, 'week', '2026-11-23');
    expect(await models.entries.countDocuments({ archiveId })).toBe(130);
    const last = await page(boardId, 120, 100);
    expect(last.map((e) => e.rank)).toEqual(Array.from({ length: 10 }, (_, i) => 121 + i));
    expect(last[9]).toEqual({ rank: 130, candidateId: 'm129', score: 71 });
  });

  it('is written once from the ledger when many workers race to write it', async () => {
    const boardId = randomId('board');
    const board = {
      _id: boardId,
      weekStartsOn: 1,
      members: ['a', 'b', 'c'].map((c) => ({ candidateId: c, name: c })),
    };
    await boardModel(mongo).create({
      ...board,
      title: 't',
      kind: 'vote',
      timezone: 'Asia/Shanghai',
      dailyRetentionDays: 8,
    });
    const vote = (candidateId: string, seq: number, day: string, delta: 1 | -1 = 1): LedgerVote => ({
      _id: randomId('v'),
      boardId,
      candidateId,
      action: delta === 1 ? 'vote' : 'retract',
      verdict: 'counted',
      delta,
      seq,
      day,
      acceptedAt: new Date(`${day}T04:00:00Z`),
      decidedAt: new Date(`${day}T04:00:01Z`),
    });
    await recordVotes(ledgerModel(mongo), [
      vote('a', 1, '2026-11-22'), // the week before
      vote('b', 2, '2026-11-23'),
      vote('c', 3, '2026-11-25'),
      vote('c', 4, '2026-11-29'),
      vote('b', 5, '2026-11-30'), // the week after
    ]);
    const stores = { ledger: ledgerModel(mongo), boards: boardModel(mongo), archives: models };
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => archivePeriod(stores, board, 'week', '2026-11-23')),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(7);
    expect(await models.archives.countDocuments({ boardId })).toBe(1);
    expect(await header(boardId)).toMatchObject({ version: 3, seq: 4, total: 3, ranked: 2 });
    expect(await page(boardId)).toEqual([
      { rank: 1, candidateId: 'c', score: 2 },
      { rank: 2, candidateId: 'b', score: 1 },
    ]);
  });
});

describe('a period archive under concurrent change', () => {
  const versions = [
    tallies([['a', 1, 1]], 1),
    tallies(
      [
        ['a', 1, 1],
        ['b', 2, 3],
      ],
      3,
    ),
    tallies(
      [
        ['a', 1, 1],
        ['b', 2, 3],
        ['c', 3, 6],
      ],
      6,
    ),
  ];

  it('ends at the newest of racing writers with different rankings, whole, in whatever order they run', async () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
      [0, 2, 1],
      [1, 0, 2],
    ]) {
      const boardId = randomId('board');
      await Promise.all(order.map((i) => writeArchive(models, period(boardId), versions[i] as never)));
      expect(await header(boardId), String(order)).toMatchObject({ version: 6, total: 6, ranked: 3 });
      expect(
        (await page(boardId)).map((e) => `${e.candidateId}:${e.score}`),
        String(order),
      ).toEqual(['c:3', 'b:2', 'a:1']);
      // Only the newest version's entries are left.
      const archiveId = archiveIdOf(boardId, 'week', '2026-11-23');
      expect(await models.entries.countDocuments({ archiveId }), String(order)).toBe(3);
    }
  });

  it('answers a reader that read the header before a correction from the corrected version, whole', async () => {
    const boardId = randomId('board');
    await writeArchive(models, period(boardId), versions[1] as never);
    const before = await header(boardId);
    if (!before) throw new Error('no archive');
    await writeArchive(models, period(boardId), versions[2] as never);
    const slice = await readArchive(models, before, { mode: 'range', offset: 0, limit: 10 });
    expect(slice.archive.version).toBe(6);
    expect(slice.entries.map((e) => e.candidateId)).toEqual(['c', 'b', 'a']);
  });

  it('takes in a vote recorded late, with a seq below the period’s highest', async () => {
    const boardId = randomId('board');
    const board = {
      _id: boardId,
      weekStartsOn: 1,
      members: ['a', 'b'].map((c) => ({ candidateId: c, name: c })),
    };
    await boardModel(mongo).create({
      ...board,
      title: 't',
      kind: 'vote',
      timezone: 'Asia/Shanghai',
      dailyRetentionDays: 8,
    });
    const counted = (candidateId: string, seq: number): LedgerVote => ({
      _id: randomId('v'),
      boardId,
      candidateId,
      action: 'vote',
      verdict: 'counted',
      delta: 1,
      seq,
      day: '2026-11-24',
      acceptedAt: new Date('2026-11-24T04:00:00Z'),
      decidedAt: new Date('2026-11-24T04:00:01Z'),
    });
    const stores = { ledger: ledgerModel(mongo), boards: boardModel(mongo), archives: models };
    // Two workers applied seqs 5–6 and 7; the second recorded first, and the archive was written then.
    await recordVotes(ledgerModel(mongo), [counted('a', 7)]);
    expect(await archivePeriod(stores, board, 'week', '2026-11-23')).toBe('created');
    await recordVotes(ledgerModel(mongo), [counted('b', 5), counted('b', 6)]);
    expect(await archivePeriod(stores, board, 'week', '2026-11-23')).toBe('corrected');
    expect(await header(boardId)).toMatchObject({ version: 3, seq: 7, total: 3 });
    expect((await page(boardId)).map((e) => `${e.candidateId}:${e.score}`)).toEqual(['b:2', 'a:1']);
  });
});
