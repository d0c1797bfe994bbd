import {
  type ArchiveStores,
  archiveIdOf,
  currentArchives,
  type LedgerTally,
  periodTallies,
  readLedgerState,
} from '@rallyboard/core/db';
import { DEFAULT_WEEK_STARTS_ON, periodEnd } from '@rallyboard/core/protocol';

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
  const weekStartsOn = board?.weekStartsOn ?? DEFAULT_WEEK_STARTS_ON;
  const archives = (await currentArchives(deps.archives, boardId)).sort((a, b) =>
    a.archiveId < b.archiveId ? -1 : 1,
  );
  const reports: ArchiveReport[] = [];
  for (const archive of archives) {
    const { window, start } = archive;
    const state = await readLedgerState(deps.ledger, boardId, {
      days: { from: start, to: periodEnd(start, window) },
    });
    const ledger = periodTallies(state.days, window, weekStartsOn).get(start) ?? {
      total: 0,
      members: new Map<string, LedgerTally>(),
    };
    const entries = await deps.archives.entries
      .find(
        { archiveId: archiveIdOf(boardId, window, start), version: archive.version },
        { candidateId: 1, score: 1, seq: 1 },
      )
      .lean();
    const archived = new Map(entries.map((e) => [e.candidateId, { count: e.score, seq: e.seq }]));
    const drift: ArchiveDrift[] = [];
    for (const candidateId of new Set([...archived.keys(), ...ledger.members.keys()])) {
      const tally = ledger.members.get(candidateId) ?? { count: 0, lastSeq: 0 };
      const expected = { count: tally.count, seq: tally.lastSeq };
      const actual = archived.get(candidateId) ?? null;
      const matches =
        actual === null
          ? expected.count === 0 && expected.seq === 0
          : actual.count === expected.count && actual.seq === expected.seq;
      if (!matches) drift.push({ candidateId, archive: actual, ledger: expected });
    }
    reports.push({
      archive: `${window}:${start}`,
      total: { archive: archive.total, ledger: ledger.total },
      drift,
    });
  }
  return reports;
}
