import { type Connection, Schema } from 'mongoose';
import type { LeaderboardEntry, MemberStanding } from '../protocol/leaderboard.js';
import { PERIOD_WINDOWS, type PeriodWindow } from '../protocol/periods.js';

/**
 * A period's final ranking (a day, a week or a month that has ended), kept in MongoDB at any age:
 * Redis drops a period's keys after retention. The ranking is one entry document per ranked
 * member, so it is read a page at a time, under a version; each version has a header.
 *
 * Written from the ledger, never from Redis, so any worker that writes it writes the same thing
 * (archive-write.ts). `version` is the number of the period's counted records: records are only
 * added or turned counted, never taken away, so every change to the period (a vote recorded
 * late, an approval, a void) makes it grow, and a newer ranking always has a higher version.
 *
 * Headers are inserted once and never changed: an insert under a unique id is the one step
 * FerretDB v1 makes atomically (its updates read and then write, so two compare-and-sets on one
 * document can both pass). The archive is its highest version; the headers before it are its
 * corrections, each with when it was written and its total.
 */
export interface ArchiveDoc {
  /** `<archiveId>:<version>` */
  _id: string;
  /** `<boardId>:<window>:<first day>` */
  archiveId: string;
  boardId: string;
  window: PeriodWindow;
  /** The period's first day. */
  start: string;
  /** Its last day. */
  end: string;
  version: number;
  /** The highest seq of the period's counted records: what a read answers as its `seq`. */
  seq: number;
  /** The period's counted votes (likes net of unlikes). */
  total: number;
  /** The board's registered members when it was written. */
  members: number;
  /** Ranked members (those with a counted change in the period). */
  ranked: number;
  /** When this version was written. */
  archivedAt: Date;
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
    archiveId: { type: String, required: true },
    boardId: { type: String, required: true },
    window: { type: String, required: true, enum: PERIOD_WINDOWS },
    start: { type: String, required: true },
    end: { type: String, required: true },
    version: { type: Number, required: true },
    seq: { type: Number, required: true },
    total: { type: Number, required: true },
    members: { type: Number, required: true },
    ranked: { type: Number, required: true },
    archivedAt: { type: Date, required: true },
  },
  { collection: 'archives', versionKey: false },
);
archiveSchema.index({ archiveId: 1, version: -1 });
archiveSchema.index({ boardId: 1, end: 1 });

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

/** What a read of an archive answers: a page, a member, or a member and its neighbours. */
export type ArchiveRead =
  | { mode: 'range'; offset: number; limit: number }
  | { mode: 'member'; candidateId: string }
  | { mode: 'around'; candidateId: string; k: number };

/** The header fields a read needs. */
export type ArchiveHeader = Pick<ArchiveDoc, 'archiveId' | 'version' | 'seq' | 'total' | 'members' | 'start'>;

export interface ArchiveSlice {
  /** The header the entries were read under (the current one, checked after reading). */
  archive: ArchiveHeader;
  entries: LeaderboardEntry[];
  /** Each entry's seq of its last counted change in the period, in the entries' order (group rankings tie by it). */
  seqs: number[];
  foci: MemberStanding[];
}

const HEADER_FIELDS = { archiveId: 1, version: 1, seq: 1, total: 1, members: 1, start: 1 } as const;

/** An archive's current header (its highest version), or undefined when it has none (yet). */
export async function currentArchive(
  models: ArchiveModels,
  archiveId: string,
): Promise<ArchiveHeader | undefined> {
  const [top] = await models.archives
    .find({ archiveId }, HEADER_FIELDS)
    .sort({ version: -1 })
    .limit(1)
    .lean();
  return top ?? undefined;
}

/** The archive of a period, or undefined when it has none (yet). */
export function findArchive(
  models: ArchiveModels,
  boardId: string,
  window: PeriodWindow,
  start: string,
): Promise<ArchiveHeader | undefined> {
  return currentArchive(models, archiveIdOf(boardId, window, start));
}

/** Every version of an archive, oldest first: the first written, then each correction. */
export function archiveVersions(models: ArchiveModels, archiveId: string) {
  return models.archives.find({ archiveId }).sort({ version: 1 }).lean();
}

/** The current header of each archive of a board, optionally only periods that ended on or after a day. */
export async function currentArchives(
  models: ArchiveModels,
  boardId: string,
  endedSince?: string,
): Promise<ArchiveDoc[]> {
  const all = await models.archives
    .find(endedSince === undefined ? { boardId } : { boardId, end: { $gte: endedSince } })
    .sort({ archiveId: 1, version: -1 })
    .lean();
  const current = new Map<string, ArchiveDoc>();
  for (const doc of all) if (!current.has(doc.archiveId)) current.set(doc.archiveId, doc);
  return [...current.values()];
}

/** One read of an archive's entries at one version. */
async function readVersion(
  models: ArchiveModels,
  archive: ArchiveHeader,
  read: ArchiveRead,
): Promise<ArchiveSlice> {
  const at = { archiveId: archive.archiveId, version: archive.version };
  const slice = {
    archive,
    entries: [] as LeaderboardEntry[],
    seqs: [] as number[],
    foci: [] as MemberStanding[],
  };
  const ranks = async (from: number, to: number): Promise<void> => {
    if (to < from) return;
    const docs = await models.entries
      .find({ ...at, rank: { $gte: from, $lte: to } }, { rank: 1, candidateId: 1, score: 1, seq: 1 })
      .sort({ rank: 1 })
      .lean();
    slice.entries = docs.map((d) => ({ rank: d.rank, candidateId: d.candidateId, score: d.score }));
    slice.seqs = docs.map((d) => d.seq);
  };
  if (read.mode === 'range') {
    await ranks(read.offset + 1, read.offset + read.limit);
    return slice;
  }
  const found = await models.entries
    .findOne({ ...at, candidateId: read.candidateId }, { rank: 1, score: 1 })
    .lean();
  slice.foci = [{ candidateId: read.candidateId, rank: found?.rank ?? null, score: found?.score ?? 0 }];
  if (read.mode === 'around' && found) await ranks(found.rank - read.k, found.rank + read.k);
  return slice;
}

/**
 * Reads a page, a member or a member with its neighbours from an archive. The current version
 * is read again after the entries: when a correction came meanwhile (and may have removed the
 * entries read), the read is made again at the new version, so an answer is always one whole
 * version's.
 */
export async function readArchive(
  models: ArchiveModels,
  archive: ArchiveHeader,
  read: ArchiveRead,
): Promise<ArchiveSlice> {
  let header = archive;
  for (let attempt = 1; ; attempt++) {
    const slice = await readVersion(models, header, read);
    const now = await currentArchive(models, header.archiveId);
    if (!now || now.version === header.version || attempt >= 5) return slice;
    header = now;
  }
}
