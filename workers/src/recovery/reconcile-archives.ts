import { type ArchiveStores, archiveIdOf, currentArchives, periodLedgerTallies } from '@rallyboard/core/db';
import { weekStartOf } from '@rallyboard/core/protocol';
import { driftOf } from './drift.js';

/** One member whose archived standing differs from what the period's ledger records add up to. */
export interface ArchiveDrift {
  candidateId: string;
  archive: { count: number; seq: number } | null;
  ledger: { count: number; seq: number };
}

export interface ArchiveReport {
  /** `<window>:<first day>` */
  archive: string;
  total: { archive: number; ledger: number };
  drift: ArchiveDrift[];
}

/**
 * Compares each archive of a board (its current version) with its period's ledger records:
 * every ranked member's count and last seq, and the total. A drift means a change the archive
 * missed (a vote applied after the archive's grace, a correction that failed); `rebuild` writes
 * it again.
 */
export async function reconcileArchives(deps: ArchiveStores, boardId: string): Promise<ArchiveReport[]> {
  const board = await deps.boards.findById(boardId, { weekStartsOn: 1 }).lean();
  const weekStartsOn = weekStartOf(board);
  const archives = (await currentArchives(deps.archives, boardId)).sort((a, b) =>
    a.archiveId < b.archiveId ? -1 : 1,
  );
  const reports: ArchiveReport[] = [];
  for (const archive of archives) {
    const { window, start } = archive;
    const ledger = await periodLedgerTallies(deps, boardId, window, start, weekStartsOn);
    const entries = await deps.archives.entries
      .find(
        { archiveId: archiveIdOf(boardId, window, start), version: archive.version },
        { candidateId: 1, score: 1, seq: 1 },
      )
      .lean();
    const archived = new Map(entries.map((e) => [e.candidateId, { count: e.score, seq: e.seq }]));
    const drift = driftOf(archived, ledger.members).map(({ candidateId, found, ledger: expected }) => ({
      candidateId,
      archive: found,
      ledger: expected,
    }));
    reports.push({
      archive: `${window}:${start}`,
      total: { archive: archive.total, ledger: ledger.total },
      drift,
    });
  }
  return reports;
}
