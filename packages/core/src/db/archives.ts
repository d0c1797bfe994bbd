import { type Connection, Schema } from 'mongoose';
import type { LeaderboardEntry, MemberStanding } from '../protocol/leaderboard.js';
import { PERIOD_WINDOWS, type PeriodWindow, periodEnd } from '../protocol/periods.js';
import { UPDATES_PER_COMMAND } from './bulk-updates.js';
import type { LedgerTally, WindowTallies } from './ledger-state.js';

/**
 * A period's final ranking (a day, a week or a month that has ended), kept in MongoDB at any age:
 * Redis drops a period's keys after retention. One header per period, and the ranking as one
 * entry document per ranked member, so it is read a page at a time.
 *
 * Written from the ledger, never from Redis, so any worker that writes it writes the same thing.
 * `version` is the highest seq of the period's counted records: every later change to the
 * period (an approval, a void) is a counted record with a higher seq, so a newer ranking always
 * has a higher version. Entries are written under their version first, and the header then
 * moves to it only if it is newer: a reader, which reads the header's version, never sees a
 * ranking half written, and two workers racing write the same entries and one header.
 */
export interface ArchiveDoc {
  /** `<boardId>:<window>:<first day>` */
  _id: string;
  boardId: string;
  window: PeriodWindow;
  /** The period's first day. */
  start: string;
  /** Its last day. */
  end: string;
  version: number;
  /** The period's counted votes (likes net of unlikes). */
  total: number;
  /** The board's registered members when it was written. */
  members: number;
  /** Ranked members (those with a counted change in the period). */
  ranked: number;
  archivedAt: Date;
  /** Each time a later change (a void, an approval) rewrote it: when, and the totals before and after. */
  corrections: { at: Date; fromVersion: number; toVersion: number; fromTotal: number; toTotal: number }[];
}

export interface ArchiveEntryDoc {
  /** `<archiveId>:<version>:<candidateId>` */
  _id: string;
  archiveId: string;
  version: number;
  /** 1-based: count descending, then who reached it first (the lower seq). */
  rank: number;
  candidateId: string;
  score: number;
  /** The seq of the member's last counted change in the period. */
  seq: number;
}

const archiveSchema = new Schema<ArchiveDoc>(
  {
    _id: { type: String, required: true },
    boardId: { type: String, required: true },
    window: { type: String, required: true, enum: PERIOD_WINDOWS },
    start: { type: String, required: true },
    end: { type: String, required: true },
    version: { type: Number, required: true },
    total: { type: Number, required: true },
    members: { type: Number, required: true },
    ranked: { type: Number, required: true },
    archivedAt: { type: Date, required: true },
    corrections: [
      {
        _id: false,
        at: { type: Date, required: true },
        fromVersion: Number,
        toVersion: Number,
        fromTotal: Number,
        toTotal: Number,
      },
    ],
  },
  { collection: 'archives', versionKey: false },
);
archiveSchema.index({ boardId: 1, window: 1, start: 1 });

const entrySchema = new Schema<ArchiveEntryDoc>(
  {
    _id: { type: String, required: true },
    archiveId: { type: String, required: true },
    version: { type: Number, required: true },
    rank: { type: Number, required: true },
    candidateId: { type: String, required: true },
    score: { type: Number, required: true },
    seq: { type: Number, required: true },
  },
  { collection: 'archive_entries', versionKey: false },
);
entrySchema.index({ archiveId: 1, version: 1, rank: 1 });
entrySchema.index({ archiveId: 1, version: 1, candidateId: 1 });

/** The archive models on a connection, compiled once per connection. */
export function archiveModels(connection: Connection) {
  const archives = connection.models.Archive
    ? connection.model<ArchiveDoc>('Archive')
    : connection.model<ArchiveDoc>('Archive', archiveSchema);
  const entries = connection.models.ArchiveEntry
    ? connection.model<ArchiveEntryDoc>('ArchiveEntry')
    : connection.model<ArchiveEntryDoc>('ArchiveEntry', entrySchema);
  return { archives, entries };
}
export type ArchiveModels = ReturnType<typeof archiveModels>;

export const archiveIdOf = (boardId: string, window: PeriodWindow, start: string): string =>
  `${boardId}:${window}:${start}`;

/** A period's ranking as the ledger adds it up: count descending, ties to the lower seq. */
function rankTallies(members: ReadonlyMap<string, LedgerTally>): LeaderboardEntry[] {
  return [...members]
    .filter(([, t]) => t.count !== 0 || t.lastSeq !== 0)
    .sort(([, a], [, b]) => b.count - a.count || a.lastSeq - b.lastSeq)
    .map(([candidateId, t], i) => ({ rank: i + 1, candidateId, score: t.count }));
}

/**
 * Upserts entries, UPDATES_PER_COMMAND statements a command (FerretDB v1 holds a connection per
 * statement while the command runs: see bulk-updates.ts). Two writers upserting the same new
 * entry race, and one is refused a duplicate key: the entry is there then, with the same
 * content, and the next try replaces it (each try loses only to a writer that inserted first,
 * so a few writers need a few tries).
 */
async function writeEntries(
  models: ArchiveModels,
  archiveId: string,
  writes: Parameters<ArchiveModels['entries']['bulkWrite']>[0],
): Promise<void> {
  for (let at = 0; at < writes.length; at += UPDATES_PER_COMMAND) {
    await writeSlice(models, archiveId, writes.slice(at, at + UPDATES_PER_COMMAND));
  }
}

async function writeSlice(
  models: ArchiveModels,
  archiveId: string,
  writes: Parameters<ArchiveModels['entries']['bulkWrite']>[0],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await models.entries.bulkWrite(writes, { ordered: false });
      // Unordered, mongoose reports a document it would not validate here instead of throwing.
      const invalid = written.mongoose?.validationErrors ?? [];
      if (invalid.length > 0)
        throw new Error(`archive ${archiveId}: entries failed validation`, { cause: invalid[0] });
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000 || attempt >= 10) throw error;
    }
  }
}

/** What writeArchive did: written for the first time, moved to a newer version, or nothing (not newer). */
export type ArchiveWrite = 'created' | 'corrected' | 'unchanged';

/**
 * Writes a period's ranking from its ledger tallies: the entries under their version, then the
 * header, moved only forward; older versions' entries are removed once the header has moved.
 * Safe to run twice and to race: the same tallies write the same documents.
 * @param options.force also write the header at an equal version (a rebuild puts back what the ledger says)
 */
export async function writeArchive(
  models: ArchiveModels,
  period: { boardId: string; window: PeriodWindow; start: string; members: number },
  tallies: WindowTallies,
  now = new Date(),
  options: { force?: boolean } = {},
): Promise<ArchiveWrite> {
  const _id = archiveIdOf(period.boardId, period.window, period.start);
  const version = Math.max(0, ...[...tallies.members.values()].map((t) => t.lastSeq));
  const ranking = rankTallies(tallies.members);
  const lastSeq = (candidateId: string) => tallies.members.get(candidateId)?.lastSeq ?? 0;
  if (ranking.length > 0) {
    const writes = ranking.map((e) => {
      const entryId = `${_id}:${version}:${e.candidateId}`;
      return {
        replaceOne: {
          filter: { _id: entryId },
          replacement: { _id: entryId, archiveId: _id, version, ...e, seq: lastSeq(e.candidateId) },
          upsert: true,
        },
      };
    });
    await writeEntries(models, _id, writes);
  }
  const fields = {
    boardId: period.boardId,
    window: period.window,
    start: period.start,
    end: periodEnd(period.start, period.window),
    version,
    total: tallies.total,
    members: period.members,
    ranked: ranking.length,
  };
  const before = await models.archives.findById(_id).lean();
  let outcome: ArchiveWrite;
  if (!before) {
    // Two writers may both find none: the second insert's duplicate key means the first won.
    const inserted = await models.archives
      .create({ _id, ...fields, archivedAt: now, corrections: [] })
      .then(() => true)
      .catch((error: unknown) => {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      });
    outcome = inserted ? 'created' : 'unchanged';
  } else if (before.version < version) {
    const correction = {
      at: now,
      fromVersion: before.version,
      toVersion: version,
      fromTotal: before.total,
      toTotal: tallies.total,
    };
    const moved = await models.archives.updateOne(
      { _id, version: before.version },
      { $set: fields, $push: { corrections: correction } },
    );
    outcome = moved.modifiedCount === 1 ? 'corrected' : 'unchanged';
  } else {
    if (options.force && before.version === version)
      await models.archives.updateOne({ _id, version }, { $set: fields });
    outcome = 'unchanged';
  }
  const current = outcome === 'unchanged' ? (before?.version ?? version) : version;
  await models.entries.deleteMany({ archiveId: _id, version: { $lt: current } });
  return outcome;
}

/** What a read of an archive answers: a page, a member, or a member and its neighbours. */
export type ArchiveRead =
  | { mode: 'range'; offset: number; limit: number }
  | { mode: 'member'; candidateId: string }
  | { mode: 'around'; candidateId: string; k: number };

export interface ArchiveSlice {
  archive: Pick<ArchiveDoc, 'version' | 'total' | 'members' | 'start'>;
  entries: LeaderboardEntry[];
  foci: MemberStanding[];
}

/** The archive of a period, or undefined when it has none (yet). */
export function findArchive(models: ArchiveModels, boardId: string, window: PeriodWindow, start: string) {
  return models.archives.findById(archiveIdOf(boardId, window, start)).lean();
}

/** Reads a page, a member or a member with its neighbours from an archive's current version. */
export async function readArchive(
  models: ArchiveModels,
  archive: Pick<ArchiveDoc, '_id' | 'version' | 'total' | 'members' | 'start'>,
  read: ArchiveRead,
): Promise<ArchiveSlice> {
  const at = { archiveId: archive._id, version: archive.version };
  const ranks = async (from: number, to: number): Promise<LeaderboardEntry[]> => {
    if (to < from) return [];
    const docs = await models.entries
      .find({ ...at, rank: { $gte: from, $lte: to } }, { rank: 1, candidateId: 1, score: 1 })
      .sort({ rank: 1 })
      .lean();
    return docs.map((d) => ({ rank: d.rank, candidateId: d.candidateId, score: d.score }));
  };
  const slice = { archive, entries: [] as LeaderboardEntry[], foci: [] as MemberStanding[] };
  if (read.mode === 'range') {
    slice.entries = await ranks(read.offset + 1, read.offset + read.limit);
    return slice;
  }
  const found = await models.entries
    .findOne({ ...at, candidateId: read.candidateId }, { rank: 1, score: 1 })
    .lean();
  slice.foci = [{ candidateId: read.candidateId, rank: found?.rank ?? null, score: found?.score ?? 0 }];
  if (read.mode === 'around' && found) slice.entries = await ranks(found.rank - read.k, found.rank + read.k);
  return slice;
}
