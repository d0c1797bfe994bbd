/** MongoDB's (and FerretDB's) error code for an insert refused by a unique index. */
export const DUPLICATE_KEY = 11000;

/** True for an error that is a duplicate key: the document (or one with the same unique key) is there already. */
export const isDuplicateKey = (error: unknown): boolean =>
  Reflect.get(Object(error), 'code') === DUPLICATE_KEY;
