import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import mongoose, { type Connection } from 'mongoose';

/**
 * Entry images, in MongoDB GridFS (bucket `entryImages`) through the mongoose connection: the
 * system of record already holds the entries, so an image lives and is backed up with them, on
 * MongoDB and on FerretDB alike (no second store to run). Each file's id is the image's
 * unguessable id, which is also its public address; its metadata says whose it is and which
 * entry (if any) it belongs to.
 */

const BUCKET = 'entryImages';

export interface EntryImageMeta {
  campaignId: string;
  userId: string;
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  sha256: string;
  /** The entry it was submitted with; null while it is only uploaded. */
  entryId: string | null;
}

export interface StoredImage {
  id: string;
  length: number;
  uploadDate: Date;
  metadata: EntryImageMeta;
}

/** A new image id: `i` + 22 base64url characters (128 random bits). */
export const newImageId = (): string => `i${randomBytes(16).toString('base64url')}`;

function bucketOf(connection: Connection) {
  if (!connection.db) throw new Error('the MongoDB connection is not open');
  return new mongoose.mongo.GridFSBucket(connection.db, { bucketName: BUCKET });
}

const filesOf = (connection: Connection) => {
  if (!connection.db) throw new Error('the MongoDB connection is not open');
  return connection.db.collection<{
    _id: string;
    length: number;
    uploadDate: Date;
    metadata: EntryImageMeta;
  }>(`${BUCKET}.files`);
};

/** Stores an image (already verified and stripped) under its id. */
export async function putEntryImage(
  connection: Connection,
  id: string,
  bytes: Buffer,
  metadata: EntryImageMeta,
): Promise<void> {
  const upload = bucketOf(connection).openUploadStreamWithId(id as never, id, { metadata });
  await new Promise<void>((resolve, reject) => {
    upload.once('finish', () => resolve());
    upload.once('error', reject);
    upload.end(bytes);
  });
}

/** The stored images of these ids (those that exist). */
export async function findEntryImages(
  connection: Connection,
  ids: readonly string[],
): Promise<StoredImage[]> {
  if (ids.length === 0) return [];
  const files = await filesOf(connection)
    .find({ _id: { $in: [...ids] } })
    .toArray();
  return files.map((f) => ({ id: f._id, length: f.length, uploadDate: f.uploadDate, metadata: f.metadata }));
}

/** Marks images as an entry's. */
export async function attachEntryImages(
  connection: Connection,
  ids: readonly string[],
  entryId: string,
): Promise<void> {
  if (ids.length === 0) return;
  await filesOf(connection).updateMany({ _id: { $in: [...ids] } }, { $set: { 'metadata.entryId': entryId } });
}

/** An image's bytes as a stream, with its record; undefined when there is no such image. */
export async function openEntryImage(
  connection: Connection,
  id: string,
): Promise<{ image: StoredImage; stream: Readable } | undefined> {
  const [image] = await findEntryImages(connection, [id]);
  if (!image) return undefined;
  return { image, stream: bucketOf(connection).openDownloadStream(id as never) };
}

/** Deletes images (a rejected or withdrawn entry's: they are never shown). Missing ones are skipped. */
export async function deleteEntryImages(connection: Connection, ids: readonly string[]): Promise<void> {
  const bucket = bucketOf(connection);
  for (const id of ids) {
    try {
      await bucket.delete(id as never);
    } catch (error) {
      if (!(error instanceof mongoose.mongo.MongoRuntimeError && /File not found/i.test(error.message))) {
        throw error;
      }
    }
  }
}

/** Images uploaded but never submitted with an entry, older than `before`: to clean up. */
export async function strayEntryImages(connection: Connection, before: Date, limit = 500): Promise<string[]> {
  const files = await filesOf(connection)
    .find({ 'metadata.entryId': null, uploadDate: { $lt: before } }, { projection: { _id: 1 } })
    .limit(limit)
    .toArray();
  return files.map((f) => f._id);
}
