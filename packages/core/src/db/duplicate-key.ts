/** MongoDB's (and FerretDB's) error code for an insert refused by a unique index. */
export const DUPLICATE_KEY = 11000;

/** True for an error that is a duplicate key: the document (or one with the same unique key) is there already. */
export const isDuplicateKey = (error: unknown): boolean =>
  Reflect.get(Object(error), 'code') === DUPLICATE_KEY;

/**
 * True when the store answered that the write concern was not met (a replica set that could not
 * replicate in time): what it did write may yet be rolled back, so none of it is taken as written.
 * The driver reports it beside any write errors, on the bulk error's result, so a write that
 * answers "already there" for some documents is taken as done only when this is false.
 */
export function writeConcernUnmet(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const result: unknown = Reflect.get(error, 'result');
  if (typeof result !== 'object' || result === null) return false;
  const unmet: unknown = Reflect.get(result, 'getWriteConcernError');
  return typeof unmet === 'function' && unmet.call(result) !== undefined;
}

/** A write error, or an error, refused as a duplicate key (a driver's write error may keep its code in `err`). */
const duplicate = (e: unknown): boolean =>
  isDuplicateKey(e) || Reflect.get(Object(Reflect.get(Object(e), 'err')), 'code') === DUPLICATE_KEY;

/**
 * How many documents an insert found there already, when that is all its error says: every write
 * error a duplicate key (or the error itself one) and the write concern met. Undefined for any
 * other failure, the insert failing as a whole included (the driver's bulk error then has no
 * write errors).
 */
export function duplicatesOnly(error: unknown): number | undefined {
  if (writeConcernUnmet(error)) return undefined;
  const errors = writeErrorsOf(error) ?? [];
  return errors.length > 0 && errors.every(duplicate) ? errors.length : undefined;
}

/** A write error of an insert: the place of its document, and why it was refused. */
export interface WriteError {
  code?: number;
  index?: number;
  errmsg?: string;
}

/**
 * The write errors an insert answered: a bulk error's own (none when it failed as a whole), or a
 * lone duplicate key as one; undefined for any other error.
 */
export function writeErrorsOf(error: unknown): WriteError[] | undefined {
  const writeErrors: unknown = Reflect.get(Object(error), 'writeErrors');
  if (Array.isArray(writeErrors)) return writeErrors as WriteError[];
  return isDuplicateKey(error) ? [{ code: DUPLICATE_KEY }] : undefined;
}
