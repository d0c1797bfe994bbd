import { type Connection, Schema } from 'mongoose';
import { z } from 'zod';
import { ERROR_CODES } from '../protocol/errors.js';
import { boardIdSchema, candidateIdSchema, daySchema, voteIdSchema, voterIdSchema } from '../protocol/ids.js';
import { type RiskAssessment, riskAssessmentSchema } from '../protocol/risk.js';
import { REVIEW_STATES, type ReviewState } from '../protocol/risk-review.js';
import { type VoteContext, voteContextSchema } from '../protocol/vote-context.js';
import { VOTE_ACTIONS } from '../protocol/votes.js';
import { DUPLICATE_KEY, duplicatesOnly, writeConcernUnmet, writeErrorsOf } from './duplicate-key.js';

/**
 * What became of a vote: counted (changed a score), unchanged (a repeated like), held (by risk
 * control, not counted until a host approves it), or rejected.
 */
export const VERDICTS = ['counted', 'unchanged', 'held', 'rejected'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** A participant's action, or `retract`: the compensation that takes back a counted vote. */
export const LEDGER_ACTIONS = [...VOTE_ACTIONS, 'retract'] as const;
export type LedgerAction = (typeof LEDGER_ACTIONS)[number];

/** Where a vote stands in review, once risk control or a host has looked at it. */
export interface LedgerReview {
  state: ReviewState;
  at: Date;
  /** `risk` (the workers), or the host id. */
  by: string;
  /** The review action (a background job) that set this state. */
  actionId?: string | undefined;
  note?: string | undefined;
  /** The retraction that took the vote back, if it had been counted. */
  retraction?: string | undefined;
  /**
   * The retraction found nothing to take back (a like the voter had withdrawn since): approving
   * or voiding the vote then changes the ledger only.
   */
  nothingTaken?: boolean | undefined;
  /** The vote that counted it again on approval, after a retraction. */
  credit?: string | undefined;
  /** The cluster risk control held it with, when it had been counted before the cluster was found. */
  cluster?: string | undefined;
}

/**
 * The vote ledger: one document per vote id, whatever became of the vote. The vote id is the
 * `_id`, so writing the same vote twice is a duplicate-key no-op, never a second record.
 *
 * A counted record carries the change it made (`delta`) and the board seq it made it at (`seq`),
 * which is all a rebuild needs to restore the rankings with their tie-breaks.
 */
export interface LedgerVote {
  _id: string;
  boardId: string;
  candidateId: string;
  action: LedgerAction;
  voterId?: string | undefined;
  verdict: Verdict;
  /** Why a vote was rejected, as an error-catalogue code. */
  reason?: string | undefined;
  /** +1 or -1 for a counted vote. */
  delta?: number | undefined;
  /** The board's seq after this vote's change, for a counted vote. */
  seq?: number | undefined;
  /** The day of the daily ranking it counts for, in the board's timezone. */
  day: string;
  acceptedAt: Date;
  decidedAt: Date;
  /** What ingest saw of the request (client IP, device, dwell, share link), for risk control. */
  context?: VoteContext | undefined;
  /** Risk control's decision, when it held or rejected the vote (with its reasons). */
  risk?: (RiskAssessment & { text: string }) | undefined;
  review?: LedgerReview | undefined;
  /** On a retraction: the vote it takes back. */
  retracts?: string | undefined;
  /** On a vote that counts a retracted vote again (approved after review): that vote. */
  restores?: string | undefined;
}

const contextSchema = new Schema<VoteContext>(
  {
    ip: { type: String, required: true },
    deviceId: { type: String },
    fingerprint: { type: String },
    dwellMs: { type: Number, min: 0 },
    userAgent: { type: String },
    shareToken: { type: String },
  },
  { _id: false },
);

const reviewSchema = new Schema<LedgerReview>(
  {
    state: { type: String, required: true, enum: REVIEW_STATES },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    actionId: { type: String },
    note: { type: String },
    retraction: { type: String },
    nothingTaken: { type: Boolean },
    credit: { type: String },
    cluster: { type: String },
  },
  { _id: false },
);

const ledgerSchema = new Schema<LedgerVote>(
  {
    _id: { type: String, required: true },
    boardId: { type: String, required: true },
    candidateId: { type: String, required: true },
    action: { type: String, required: true, enum: LEDGER_ACTIONS },
    voterId: { type: String },
    verdict: { type: String, required: true, enum: VERDICTS },
    reason: { type: String },
    delta: { type: Number, enum: [1, -1] },
    seq: { type: Number, min: 1 },
    day: { type: String, required: true, match: /^\d{4}-\d{2}-\d{2}$/ },
    acceptedAt: { type: Date, required: true },
    decidedAt: { type: Date, required: true },
    context: { type: contextSchema },
    risk: { type: Schema.Types.Mixed },
    review: { type: reviewSchema },
    retracts: { type: String },
    restores: { type: String },
  },
  { collection: 'votes', versionKey: false },
);
// A board's records by verdict, and its counted records of a range of days: each archive's
// recheck against the ledger, every minute (a count on the index alone).
ledgerSchema.index({ boardId: 1, verdict: 1, day: 1 });
// A participant's own votes on a board, newest first.
ledgerSchema.index({ voterId: 1, boardId: 1, acceptedAt: -1 });
// Review: a board's votes by review state, and by time (void by rule, cluster holds).
ledgerSchema.index({ boardId: 1, 'review.state': 1 });
ledgerSchema.index({ boardId: 1, acceptedAt: 1 });
// Archives: one period's records, and the days a board has records on.
ledgerSchema.index({ boardId: 1, day: 1 });

/** The ledger model on a connection, compiled once per connection. */
export function ledgerModel(connection: Connection) {
  return connection.models.LedgerVote
    ? connection.model<LedgerVote>('LedgerVote')
    : connection.model<LedgerVote>('LedgerVote', ledgerSchema);
}
export type LedgerModel = ReturnType<typeof ledgerModel>;

/**
 * What a ledger record must be, checked before every write: the ledger must never hold an
 * invalid record. (The mongoose schema above describes the collection for reads and indexes;
 * writes go through the driver after this check, which costs a fraction of a mongoose document.)
 */
const ledgerVoteSchema = z
  .strictObject({
    _id: voteIdSchema,
    boardId: boardIdSchema,
    candidateId: candidateIdSchema,
    action: z.enum(LEDGER_ACTIONS),
    voterId: voterIdSchema.optional(),
    verdict: z.enum(VERDICTS),
    reason: z.enum(ERROR_CODES).optional(),
    delta: z.union([z.literal(1), z.literal(-1)]).optional(),
    seq: z.number().int().min(1).optional(),
    day: daySchema,
    acceptedAt: z.date(),
    decidedAt: z.date(),
    context: voteContextSchema.optional(),
    risk: riskAssessmentSchema.extend({ text: z.string() }).optional(),
    review: z
      .strictObject({
        state: z.enum(REVIEW_STATES),
        at: z.date(),
        by: z.string().min(1),
        actionId: z.string().optional(),
        note: z.string().optional(),
        retraction: voteIdSchema.optional(),
        nothingTaken: z.boolean().optional(),
        credit: voteIdSchema.optional(),
        cluster: z.string().optional(),
      })
      .optional(),
    retracts: voteIdSchema.optional(),
    restores: voteIdSchema.optional(),
  })
  .refine((v) => (v.verdict === 'counted') === (v.delta !== undefined && v.seq !== undefined), {
    message: 'a counted vote, and only a counted one, has a delta and a seq',
  })
  .refine((v) => (v.verdict === 'rejected') === (v.reason !== undefined), {
    message: 'a rejected vote, and only a rejected one, has a reason',
  });

/** A record as written, or why it cannot be: absent optional fields are left out, not written as null. */
function ledgerDocument(vote: LedgerVote): Record<string, unknown> | Error {
  const parsed = ledgerVoteSchema.safeParse(vote);
  if (!parsed.success) {
    return new Error(
      `invalid ledger record ${vote._id}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  return Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined));
}

/**
 * Writes ledger records in one unordered `insertMany`. Records already present (same vote id)
 * are skipped silently, which makes the write idempotent; any other failure is thrown.
 * @returns how many records were new
 */
export async function recordVotes(model: LedgerModel, votes: readonly LedgerVote[]): Promise<number> {
  if (votes.length === 0) return 0;
  const documents = votes.map((vote) => {
    const document = ledgerDocument(vote);
    if (document instanceof Error) throw document;
    return document;
  });
  try {
    const result = await model.collection.insertMany(documents, { ordered: false });
    return result.insertedCount;
  } catch (error) {
    const present = duplicatesOnly(error);
    if (present === undefined) throw error;
    return votes.length - present;
  }
}

/**
 * The write errors of records refused on their own (not already present), when an unordered
 * insert of `written` documents answered one per record for every document it did not insert;
 * anything else (the store unreachable or refusing the whole command, a write concern not met
 * without write errors: the driver's bulk error then has none; errors without their record's
 * place, a write concern not met beside write errors) is thrown as it came, for its caller's
 * outage handling: the whole write is done again, which is harmless (records already present are
 * on the ledger).
 */
function ownWriteErrors(
  error: unknown,
  written: number,
): { index: number; code: number | undefined; errmsg: string | undefined }[] {
  const writeErrors = writeErrorsOf(error);
  if (!writeErrors || writeErrors.length === 0 || writeConcernUnmet(error)) throw error;
  // A lone record already present, told by a plain duplicate-key error.
  if (written === 1 && writeErrors.every((e) => e.code === DUPLICATE_KEY)) return [];
  const inserted: unknown = Reflect.get(error as object, 'insertedCount');
  const whole =
    typeof inserted === 'number' &&
    inserted + writeErrors.length === written &&
    writeErrors.every((e) => typeof e.index === 'number' && e.index >= 0 && e.index < written);
  if (!whole) throw error;
  return writeErrors.flatMap((e) =>
    e.code === DUPLICATE_KEY ? [] : [{ index: e.index as number, code: e.code, errmsg: e.errmsg }],
  );
}

/**
 * Writes ledger records in one unordered `insertMany`, each on its own account, as a group commit
 * of many jobs' votes needs: a record its schema refuses, or that the store refuses on its own (a
 * write error of its own), fails alone, and the others are written. A record already present
 * (same vote id) is on the ledger. A failure of the write as a whole (the store unreachable) is
 * thrown.
 * @returns per record, in order: `undefined` when it is on the ledger, or why it is not
 */
export async function recordEachVote(
  model: LedgerModel,
  votes: readonly LedgerVote[],
): Promise<(Error | undefined)[]> {
  const refused: (Error | undefined)[] = votes.map(() => undefined);
  const documents: Record<string, unknown>[] = [];
  const placeOf: number[] = [];
  votes.forEach((vote, at) => {
    const document = ledgerDocument(vote);
    if (document instanceof Error) refused[at] = document;
    else {
      documents.push(document);
      placeOf.push(at);
    }
  });
  if (documents.length === 0) return refused;
  try {
    await model.collection.insertMany(documents, { ordered: false });
  } catch (error) {
    for (const { index, code, errmsg } of ownWriteErrors(error, documents.length)) {
      const at = placeOf[index] as number;
      refused[at] = new Error(`ledger refused record ${votes[at]?._id}: ${errmsg ?? `code ${code}`}`);
    }
  }
  return refused;
}
