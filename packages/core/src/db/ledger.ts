import { type Connection, Schema } from 'mongoose';

/**
 * The vote ledger: one document per vote id, whatever became of the vote. The vote id is the
 * `_id`, so writing the same vote twice is a duplicate-key no-op, never a second record.
 */
export interface LedgerVote {
  _id: string;
  boardId: string;
  candidateId: string;
  verdict: 'counted' | 'rejected';
  /** Why a vote was rejected, as an error-catalogue code. */
  reason?: string;
  acceptedAt: Date;
  decidedAt: Date;
}

const ledgerSchema = new Schema<LedgerVote>(
  {
    _id: { type: String, required: true },
    boardId: { type: String, required: true },
    candidateId: { type: String, required: true },
    verdict: { type: String, required: true, enum: ['counted', 'rejected'] },
    reason: { type: String },
    acceptedAt: { type: Date, required: true },
    decidedAt: { type: Date, required: true },
  },
  { collection: 'votes', versionKey: false },
);
ledgerSchema.index({ boardId: 1, verdict: 1 });

/** The ledger model on a connection, compiled once per connection. */
export function ledgerModel(connection: Connection) {
  return connection.models.LedgerVote
    ? connection.model<LedgerVote>('LedgerVote')
    : connection.model<LedgerVote>('LedgerVote', ledgerSchema);
}
export type LedgerModel = ReturnType<typeof ledgerModel>;

const DUPLICATE_KEY = 11000;

function writeErrorsOf(error: unknown): { code?: number }[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const writeErrors: unknown = Reflect.get(error, 'writeErrors');
  if (Array.isArray(writeErrors)) return writeErrors as { code?: number }[];
  if (Reflect.get(error, 'code') === DUPLICATE_KEY) return [{ code: DUPLICATE_KEY }];
  return undefined;
}

/**
 * Writes ledger records in one unordered `insertMany`. Records already present (same vote id)
 * are skipped silently, which makes the write idempotent; any other failure is thrown.
 * @returns how many records were new
 */
export async function recordVotes(model: LedgerModel, votes: readonly LedgerVote[]): Promise<number> {
  if (votes.length === 0) return 0;
  try {
    // Not `lean`: that skips schema validation, and the ledger must never hold an invalid record.
    const inserted = await model.insertMany(votes, { ordered: false, throwOnValidationError: true });
    return inserted.length;
  } catch (error) {
    const writeErrors = writeErrorsOf(error);
    if (writeErrors && writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY)) {
      return votes.length - writeErrors.length;
    }
    throw error;
  }
}
