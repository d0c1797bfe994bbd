import { ERROR_CODES, type ErrorCode } from '../protocol/errors.js';

/**
 * The verdict a vote's marker holds, the one TypeScript codec of its text. The apply script
 * writes the same text (lua/applyVotes-9+.lua, its twin: change both together); the workers read
 * it back from the script's reply, the server from a marker, and a rebuild writes markers again
 * from the ledger. The forms:
 *
 * - `c,<seq>,<delta>` counted: the vote changed the member's score by `delta` at board seq `seq`
 * - `u` unchanged: a like that already stood, or an unlike without a like
 * - `h` held for review by risk control, not counted unless approved
 * - `r,<CODE>` rejected, with an error-catalogue code
 */
export type VoteVerdict = { duplicate: boolean } & (
  | { verdict: 'counted'; seq: number; delta: 1 | -1 }
  | { verdict: 'unchanged' }
  | { verdict: 'held' }
  | { verdict: 'rejected'; reason: ErrorCode }
);

/** A verdict as the ledger records it: the verdict, and its reason, or its delta and seq. */
export interface VerdictFields {
  verdict: VoteVerdict['verdict'];
  reason?: string | undefined;
  delta?: number | undefined;
  seq?: number | undefined;
}

const isErrorCode = (value: string): value is ErrorCode => (ERROR_CODES as readonly string[]).includes(value);

/** Reads a verdict as the script writes it in a vote's marker: `c,<seq>,<delta>`, `u`, `h` or `r,<CODE>`. */
export function parseVerdict(text: string, duplicate: boolean): VoteVerdict {
  const [kind, first, second] = text.split(',');
  if (kind === 'c' && (second === '1' || second === '-1')) {
    return { duplicate, verdict: 'counted', seq: Number(first), delta: second === '1' ? 1 : -1 };
  }
  if (kind === 'u') return { duplicate, verdict: 'unchanged' };
  if (kind === 'h') return { duplicate, verdict: 'held' };
  if (kind === 'r' && first && isErrorCode(first)) return { duplicate, verdict: 'rejected', reason: first };
  throw new Error(`unreadable vote verdict ${JSON.stringify(text)}`);
}

/**
 * Writes the marker text of a verdict from its ledger fields, for a rebuild restoring markers
 * from the ledger. The fields are taken as they are: the ledger's write check guarantees a
 * counted record its delta and seq, and a rejected one its reason.
 */
export function markerOfFields(fields: VerdictFields): string {
  switch (fields.verdict) {
    case 'counted':
      return `c,${fields.seq},${fields.delta}`;
    case 'unchanged':
      return 'u';
    case 'held':
      return 'h';
    case 'rejected':
      return `r,${fields.reason}`;
  }
}

/** The ledger's fields of a verdict. */
export function verdictFields(verdict: VoteVerdict): {
  verdict: VoteVerdict['verdict'];
  reason: ErrorCode | undefined;
  delta: 1 | -1 | undefined;
  seq: number | undefined;
} {
  return {
    verdict: verdict.verdict,
    reason: verdict.verdict === 'rejected' ? verdict.reason : undefined,
    delta: verdict.verdict === 'counted' ? verdict.delta : undefined,
    seq: verdict.verdict === 'counted' ? verdict.seq : undefined,
  };
}

/** Writes a verdict in the marker form. */
export function formatVerdict(verdict: VoteVerdict): string {
  return markerOfFields(verdictFields(verdict));
}
