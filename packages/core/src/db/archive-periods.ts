import { dayOf } from '../protocol/day.js';
import {
  PERIOD_WINDOWS,
  type PeriodWindow,
  periodEnd,
  periodStart,
  weekStartOf,
} from '../protocol/periods.js';
import { type ArchiveWrite, writeArchive } from './archive-write.js';
import { type ArchiveModels, archiveIdOf, currentArchives } from './archives.js';
import type { BoardDoc, BoardModel } from './boards.js';
import type { LedgerModel } from './ledger.js';
import { periodTallies, readLedgerState, type WindowTallies } from './ledger-state.js';

/** What archiving needs: the ledger it adds up, the boards, and where archives go. */
export interface ArchiveStores {
  ledger: LedgerModel;
  boards: BoardModel;
  archives: ArchiveModels;
}

/** What archiving reads of a board: its calendar and its members; undefined when it has no record. */
async function archivedBoard(stores: Pick<ArchiveStores, 'boards'>, boardId: string) {
  const board = await stores.boards
    .findById(boardId, { timezone: 1, weekStartsOn: 1, members: 1, archivedThrough: 1 })
    .lean();
  return board ?? undefined;
}

/**
 * One period's tallies as its ledger records add them up (the records of its days only, on the
 * `{ boardId, day }` index): what its archive is written from, and checked against.
 */
export async function periodLedgerTallies(
  stores: Pick<ArchiveStores, 'ledger'>,
  boardId: string,
  window: PeriodWindow,
  start: string,
  weekStartsOn: number,
): Promise<WindowTallies> {
  const state = await readLedgerState(stores.ledger, boardId, {
    days: { from: start, to: periodEnd(start, window) },
  });
  return periodTallies(state.days, window, weekStartsOn).get(start) ?? { total: 0, members: new Map() };
}

/**
 * Writes one period's archive from the ledger records of its days (see writeArchive): safe to
 * run again, by any number of workers at once.
 */
export async function archivePeriod(
  stores: ArchiveStores,
  board: Pick<BoardDoc, '_id' | 'weekStartsOn' | 'members'>,
  window: PeriodWindow,
  start: string,
  now = new Date(),
  options: { force?: boolean } = {},
): Promise<ArchiveWrite> {
  const tallies = await periodLedgerTallies(stores, board._id, window, start, weekStartOf(board));
  const period = { boardId: board._id, window, start, members: board.members.length };
  return writeArchive(stores.archives, period, tallies, now, options);
}

/** The periods, by window, that the days fall in. */
function periodsOf(days: Iterable<string>, weekStartsOn: number): { window: PeriodWindow; start: string }[] {
  const found = new Map<string, { window: PeriodWindow; start: string }>();
  for (const day of days) {
    for (const window of PERIOD_WINDOWS) {
      const start = periodStart(day, window, weekStartsOn);
      found.set(archiveIdOf('', window, start), { window, start });
    }
  }
  return [...found.values()];
}

type ArchivedThrough = NonNullable<BoardDoc['archivedThrough']>;

const sameCalendarDay = (a: ArchivedThrough | undefined, b: ArchivedThrough) =>
  a?.day === b.day && a.timezone === b.timezone && a.weekStartsOn === b.weekStartsOn;

/**
 * Archives every period of a board that ended at least `graceMs` ago (a day, a week or a month
 * whose last day is before the board's day at `now - graceMs`) and has ledger records but no
 * archive yet. The grace lets votes accepted just before the end, still in the queue, be counted
 * first; one applied later than that is found by `reconcile`, and `rebuild` writes it in.
 * A pass that gets through every period records on the board the day, and the calendar, it ran
 * for (`archivedThrough`).
 * @param options.resume when the board's `archivedThrough` is still its day in the same calendar,
 *   nothing new has ended since a complete pass, and the ledger is not read (the archiver's
 *   passes, by any workers process, old or new; a rebuild looks again)
 * @returns the board's day at `now - graceMs` (nothing before it is left to archive), and how many archives it created
 */
export async function archiveEndedPeriods(
  stores: ArchiveStores,
  boardId: string,
  options: { now?: Date; graceMs: number; resume?: boolean },
): Promise<{ today: string; created: number }> {
  const now = options.now ?? new Date();
  const board = await archivedBoard(stores, boardId);
  if (!board) return { today: '', created: 0 };
  const today = dayOf(now.getTime() - options.graceMs, board.timezone);
  const calendar = { day: today, timezone: board.timezone, weekStartsOn: weekStartOf(board) };
  if (options.resume && sameCalendarDay(board.archivedThrough, calendar)) return { today, created: 0 };
  // The days the board has records on. On FerretDB's SQLite backend this reads every record of
  // every board (it uses no index but _id's), which is why a complete pass is remembered.
  const days = (await stores.ledger.distinct('day', { boardId })) as string[];
  const have = new Set(
    (await stores.archives.archives.find({ boardId }, { archiveId: 1 }).lean()).map((a) => a.archiveId),
  );
  let created = 0;
  for (const { window, start } of periodsOf(days, calendar.weekStartsOn)) {
    if (periodEnd(start, window) >= today || have.has(archiveIdOf(boardId, window, start))) continue;
    if ((await archivePeriod(stores, board, window, start, now)) === 'created') created++;
  }
  // Not a change of the board's: its updatedAt stays.
  await stores.boards.updateOne(
    { _id: boardId },
    { $set: { archivedThrough: calendar } },
    { timestamps: false },
  );
  return { today, created };
}

/**
 * Checks the archives of a board's periods that ended on or after `since` against the ledger:
 * one whose version (its counted records) is not the ledger's count now missed a change (a vote
 * recorded after the archive was written, a review that raced its writing) and is written again.
 * A count on the ledger's `{ boardId, verdict, day }` index alone per archive.
 * @returns the archives corrected
 */
export async function recheckRecentArchives(
  stores: ArchiveStores,
  boardId: string,
  since: string,
  now = new Date(),
): Promise<number> {
  const recent = await currentArchives(stores.archives, boardId, since);
  if (recent.length === 0) return 0;
  const board = await archivedBoard(stores, boardId);
  if (!board) return 0;
  let corrected = 0;
  for (const archive of recent) {
    const counted = await stores.ledger.countDocuments({
      boardId,
      verdict: 'counted',
      day: { $gte: archive.start, $lte: archive.end },
    });
    if (counted === archive.version) continue;
    if ((await archivePeriod(stores, board, archive.window, archive.start, now)) === 'corrected') corrected++;
  }
  return corrected;
}

/**
 * Writes every archive of a board again from the ledger, as it is now (a rebuild): a newer
 * ranking corrects it on record, and one at the same version puts back what the ledger says.
 * @returns the archives written
 */
export async function rewriteArchives(
  stores: ArchiveStores,
  boardId: string,
  now = new Date(),
): Promise<number> {
  const board = await archivedBoard(stores, boardId);
  if (!board) return 0;
  const archives = await currentArchives(stores.archives, boardId);
  for (const { window, start } of archives)
    await archivePeriod(stores, board, window, start, now, { force: true });
  return archives.length;
}

/**
 * Writes again the archives of the periods these days fall in, where one exists: after a review
 * changed votes of those days (a void, an approval), the archive follows, with a correction
 * recorded. A period without an archive yet gets one when it is archived, from the ledger as it
 * is then.
 * @returns the archives corrected
 */
export async function refreshArchives(
  stores: ArchiveStores,
  boardId: string,
  days: Iterable<string>,
  now = new Date(),
): Promise<number> {
  const board = await archivedBoard(stores, boardId);
  if (!board) return 0;
  const periods = periodsOf(days, weekStartOf(board));
  const ids = periods.map(({ window, start }) => archiveIdOf(boardId, window, start));
  const existing = new Set(
    (await stores.archives.archives.find({ archiveId: { $in: ids } }, { archiveId: 1 }).lean()).map(
      (a) => a.archiveId,
    ),
  );
  let corrected = 0;
  for (const { window, start } of periods) {
    if (!existing.has(archiveIdOf(boardId, window, start))) continue;
    if ((await archivePeriod(stores, board, window, start, now)) === 'corrected') corrected++;
  }
  return corrected;
}
