import type { mongo } from 'mongoose';

/**
 * The most update statements one command carries. FerretDB v1 (development and tests) keeps the
 * scan of every statement of an update command open until the whole command is done, each on one
 * of the database's 100 SQLite connections: a command of 100 statements or more waits for a
 * connection that never frees, and the database (and every listDatabases) hangs for good. MongoDB
 * takes any number; slices of 50 cost it a round trip per 50 votes.
 */
export const UPDATES_PER_COMMAND = 50;

/**
 * Sends update statements as unordered bulk writes of at most UPDATES_PER_COMMAND each, one
 * after another (so one caller never holds more than one command's connections).
 */
export async function bulkUpdate<T extends mongo.Document>(
  collection: mongo.Collection<T>,
  updates: readonly mongo.AnyBulkWriteOperation<T>[],
): Promise<void> {
  for (let start = 0; start < updates.length; start += UPDATES_PER_COMMAND) {
    await collection.bulkWrite(updates.slice(start, start + UPDATES_PER_COMMAND), { ordered: false });
  }
}
