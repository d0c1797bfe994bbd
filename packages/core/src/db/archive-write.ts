import type { LeaderboardEntry } from '../protocol/leaderboard.js';
import { type PeriodWindow, periodEnd } from '../protocol/periods.js';
import { type ArchiveModels, archiveIdOf, currentArchive } from './archives.js';
import { UPDATES_PER_COMMAND } from './bulk-updates.js';
import { isDuplicateKey } from './duplicate-key.js';
import type { LedgerTally, WindowTallies } from './ledger-state.js';

/** A period's ranking as the ledger adds it up: count descending, ties to the lower seq. */
function rankTallies(members: ReadonlyMap<string, LedgerTally>): LeaderboardEntry[] {
  return [...members]
    .filter(([, t]) => t.count !== 0 || t.lastSeq !== 0)
    .sort(([, a], [, b]) => b.count - a.count || a.lastSeq - b.lastSeq)
    .map(([candidateId, t], i) => ({ rank: i + 1, candidateId, score: t.count }));
}

type EntryWrites = Parameters<ArchiveModels['entries']['bulkWrite']>[0];

/**
 * Upserts entries, UPDATES_PER_COMMAND statements a command (FerretDB v1 holds a connection per
 * statement while the command runs: see bulk-updates.ts). Two writers upserting the same new
 * entry race, and one is refused a duplicate key: the entry is there then, with the same
 * content, and the next try replaces it (each try loses only to a writer that inserted first,
 * so a few writers need a few tries).
 */
async function writeEntries(models: ArchiveModels, archiveId: string, writes: EntryWrites): Promise<void> {
  for (let at = 0; at < writes.length; at += UPDATES_PER_COMMAND) {
    const slice = writes.slice(at, at + UPDATES_PER_COMMAND);
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await models.entries.bulkWrite(slice, { ordered: false });
        // Unordered, mongoose reports a document it would not validate here instead of throwing.
        const invalid = written.mongoose?.validationErrors ?? [];
        if (invalid.length > 0)
          throw new Error(`archive ${archiveId}: entries failed validation`, { cause: invalid[0] });
        break;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 10) throw error;
      }
    }
  }
}

/** What writeArchive did: the archive's first version, a newer one (a correction), or nothing new. */
export type ArchiveWrite = 'created' | 'corrected' | 'unchanged';

/**
 * Writes a period's ranking from its ledger tallies (with `counted`, its version: see
 * archives.ts). The entries go in under their version first, then that version's header is
 * inserted, once: a reader, which reads the highest version's entries, never meets a version
 * whose entries are not all there. Then the entries of versions below the highest are removed
 * (a reader caught between: see readArchive). Safe to run twice and to race, with equal or
 * different tallies: the highest version is the archive.
 * @param options.force at a version already written, write its header's fields and entries again (a rebuild puts back what the ledger says)
 */
export async function writeArchive(
  models: ArchiveModels,
  period: { boardId: string; window: PeriodWindow; start: string; members: number },
  tallies: WindowTallies,
  now = new Date(),
  options: { force?: boolean } = {},
): Promise<ArchiveWrite> {
  const archiveId = archiveIdOf(period.boardId, period.window, period.start);
  const version = tallies.counted ?? 0;
  const ranking = rankTallies(tallies.members);
  const lastSeq = (candidateId: string) => tallies.members.get(candidateId)?.lastSeq ?? 0;
  await writeEntries(
    models,
    archiveId,
    ranking.map((e) => {
      const entryId = `${archiveId}:${version}:${e.candidateId}`;
      const replacement = { _id: entryId, archiveId, version, ...e, seq: lastSeq(e.candidateId) };
      return { replaceOne: { filter: { _id: entryId }, replacement, upsert: true } };
    }),
  );
  const header = {
    _id: `${archiveId}:${version}`,
    archiveId,
    boardId: period.boardId,
    window: period.window,
    start: period.start,
    end: periodEnd(period.start, period.window),
    version,
    seq: Math.max(0, ...[...tallies.members.values()].map((t) => t.lastSeq)),
    total: tallies.total,
    members: period.members,
    ranked: ranking.length,
    archivedAt: now,
  };
  const inserted = await models.archives.create(header).then(
    () => true,
    (error: unknown) => {
      if (isDuplicateKey(error)) return false;
      throw error;
    },
  );
  if (!inserted && options.force) {
    const { _id, archivedAt: _at, ...fields } = header;
    await models.archives.updateOne({ _id }, { $set: fields });
  }
  const current = await currentArchive(models, archiveId);
  if (current) await models.entries.deleteMany({ archiveId, version: { $lt: current.version } });
  if (!inserted || (current && current.version > version)) return 'unchanged';
  const earlier = await models.archives.countDocuments({ archiveId, version: { $lt: version } });
  return earlier === 0 ? 'created' : 'corrected';
}
