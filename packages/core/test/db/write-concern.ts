import { mongo as driver } from 'mongoose';
import { expect } from 'vitest';

/**
 * The driver's own bulk error for an unordered insert of `present` (there already) and `fresh`
 * documents, as a replica set answers it when the write concern was not met as well: the
 * duplicates' write errors, and a write concern error on its result. `fresh` is deleted again
 * after, as a rollback would take it back.
 */
export async function unmetWriteConcern(
  collection: driver.Collection,
  present: readonly driver.Document[],
  fresh: readonly driver.Document[],
): Promise<driver.MongoBulkWriteError> {
  const answered = await collection
    .insertMany([...present, ...fresh], { ordered: false })
    .catch((e: unknown) => e);
  expect(answered).toBeInstanceOf(driver.MongoBulkWriteError);
  const error = answered as driver.MongoBulkWriteError;
  const raw = (
    error.result as unknown as { getRawResponse(): { writeConcernErrors: unknown[] } }
  ).getRawResponse();
  raw.writeConcernErrors.push({ code: 64, errmsg: 'waiting for replication timed out' });
  await collection.deleteMany({ _id: { $in: fresh.map((d) => d._id) } });
  return error;
}
