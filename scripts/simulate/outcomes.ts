// After the traffic: what became of every planned vote. Accepted votes are looked up in the
// ledger (read only) until each is decided; the others were refused at ingest or at login.
import { type LedgerModel, ledgerModel } from '@rallyboard/core/db';
import type { Connection } from 'mongoose';
import type { VoteRecord } from './run.js';
import type { Label } from './scenario.js';

export type Outcome =
  | { kind: 'counted' }
  /** Not counted until a host approves it. */
  | { kind: 'held'; rules?: string[] }
  | { kind: 'rejected'; reason: string; rules?: string[] }
  | { kind: 'refused'; stage: 'login' | 'vote'; status: number; code: string }
  /** Accepted, but never decided within the wait: should not happen. */
  | { kind: 'lost' };

export interface VoteOutcome {
  label: Label;
  account: string;
  candidateId: string;
  outcome: Outcome;
}

interface LedgerRecord {
  _id: string;
  verdict: string;
  reason?: string;
  review?: { state?: string };
  risk?: { reasons?: { rule?: string }[] };
}

/**
 * A ledger record as an outcome. A review state overrides the verdict: risk control may hold a
 * vote it counted once the vote's cluster shows up (the record stays `counted`, its review
 * `held`), and a held vote stays uncounted until a host approves it.
 */
export function outcomeOf(record: Omit<LedgerRecord, '_id'>): Outcome {
  // The risk rules that fired, so a report can say which rules caught (or wrongly held) what.
  const fired = (record.risk?.reasons ?? []).flatMap((r) => (r.rule ? [r.rule] : []));
  const rules = fired.length > 0 ? { rules: fired } : {};
  switch (record.review?.state) {
    case 'held':
      return { kind: 'held', ...rules };
    case 'voided':
      return { kind: 'rejected', reason: 'VOIDED', ...rules };
    case 'approved':
      return { kind: 'counted' };
  }
  switch (record.verdict) {
    case 'counted':
      return { kind: 'counted' };
    case 'held':
      return { kind: 'held', ...rules };
    default:
      // 'rejected', or anything else that did not count ('unchanged' only happens to likes).
      return { kind: 'rejected', reason: record.reason ?? record.verdict.toUpperCase(), ...rules };
  }
}

export interface SettleOptions {
  /** Give up when no new decision comes for this long. @default 30_000 */
  idleTimeoutMs?: number;
  /** @default 2_000 */
  pollMs?: number;
  /**
   * Once all are decided, wait this long and read them all again: risk control may hold votes
   * it counted when their cluster shows up later (a cluster hold runs right after the batch that
   * revealed it, and once more 2 s later). @default 15_000
   */
  graceMs?: number;
  onProgress?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The decided votes among `ids`, from one pass over the board's ledger. One cursor by board
 * rather than `_id: { $in: … }`: FerretDB answers a long `$in` by scanning the collection for
 * every id, which took minutes (and both cores) for a few thousand votes.
 */
async function lookUp(model: LedgerModel, boardId: string, ids: ReadonlySet<string>) {
  const found = new Map<string, Outcome>();
  const cursor = model
    .find({ boardId }, { verdict: 1, reason: 1, 'review.state': 1, 'risk.reasons.rule': 1 })
    .lean<LedgerRecord[]>()
    .cursor({ batchSize: 5_000 });
  for await (const record of cursor) {
    if (ids.has(record._id)) found.set(record._id, outcomeOf(record));
  }
  return found;
}

/** Waits until every accepted vote is decided (or the wait times out) and classifies every vote. */
export async function settle(
  mongo: Connection,
  boardId: string,
  votes: readonly VoteRecord[],
  options: SettleOptions = {},
): Promise<VoteOutcome[]> {
  const model = ledgerModel(mongo);
  const decided = new Map<string, Outcome>();
  const pending = new Set(
    votes.flatMap((v) => (v.submission.kind === 'accepted' ? [v.submission.voteId] : [])),
  );
  let lastProgress = Date.now();
  let lastReport = 0;
  const idle = options.idleTimeoutMs ?? 30_000;
  while (pending.size > 0 && Date.now() - lastProgress < idle) {
    let found = new Map<string, Outcome>();
    try {
      found = await lookUp(model, boardId, pending);
    } catch (error) {
      // The database restarting under us is not the end of the run: read again, within the wait.
      options.onProgress?.(
        `! reading the ledger failed (${error instanceof Error ? error.message : String(error)}); retrying`,
      );
    }
    for (const [id, outcome] of found) {
      decided.set(id, outcome);
      pending.delete(id);
    }
    if (found.size > 0) lastProgress = Date.now();
    if (pending.size > 0) {
      if (Date.now() - lastReport >= 5_000) {
        options.onProgress?.(`waiting for ${pending.size} accepted votes to be decided`);
        lastReport = Date.now();
      }
      await sleep(options.pollMs ?? 2_000);
    }
  }
  // The final read: what risk control decided about votes after it had counted them.
  await sleep(options.graceMs ?? 15_000);
  for (const [id, outcome] of await lookUp(model, boardId, new Set(decided.keys()))) decided.set(id, outcome);
  return votes.map((v) => ({
    label: v.label,
    account: v.account,
    candidateId: v.candidateId,
    outcome:
      v.submission.kind === 'refused'
        ? { kind: 'refused', stage: v.submission.stage, status: v.submission.status, code: v.submission.code }
        : (decided.get(v.submission.voteId) ?? { kind: 'lost' }),
  }));
}
