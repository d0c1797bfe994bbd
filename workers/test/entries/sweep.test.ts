import {
  connectMongo,
  type EntryDoc,
  entryModels,
  findEntryImages,
  putEntryImage,
} from '@rallyboard/core/db';
import { entryJobId } from '@rallyboard/core/queue';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, testConfig } from '../../../test/support/config.js';
import { startTestEntryWorker } from '../../../test/support/entries.js';
import { jpegOf } from '../../../test/support/images.js';
import { sweepEntries } from '../../src/entries/entry-worker.js';

// The entries' sweep: an entry whose check was never queued is checked all the same, and an
// uploaded picture no entry names is deleted after a day, never one an entry names.
const config = testConfig();
let mongo: Connection;
let worker: Awaited<ReturnType<typeof startTestEntryWorker>>;
beforeAll(async () => {
  mongo = await connectMongo(config.mongo.uri, 'test');
  worker = await startTestEntryWorker(config, mongo);
});
afterAll(async () => {
  await worker.close();
  await mongo.close();
});

const DAY = 86_400_000;

async function image(campaignId: string, ageMs: number): Promise<string> {
  const id = `i${randomId('').padEnd(22, 'x').slice(0, 22)}`;
  await putEntryImage(mongo, id, jpegOf(), {
    campaignId,
    userId: 'p-sweep',
    contentType: 'image/jpeg',
    width: 32,
    height: 24,
    sha256: 'x',
    entryId: null,
  });
  await mongo.db
    ?.collection('entryImages.files')
    .updateOne({ _id: id as never }, { $set: { uploadDate: new Date(Date.now() - ageMs) } });
  return id;
}

function entry(campaignId: string, fields: Partial<EntryDoc>): EntryDoc {
  const at = new Date(Date.now() - 5 * 60_000);
  return {
    _id: `e${randomId('').padEnd(16, 'y').slice(0, 16)}`,
    campaignId,
    userId: 'p-sweep',
    openid: 'o-sweep',
    ip: '127.0.0.1',
    title: 'swept',
    images: [],
    status: 'pending',
    textCheck: 'waiting',
    history: [{ status: 'pending', at }],
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

describe('the entries sweep', () => {
  it('deletes a day-old picture no entry names, and keeps one an entry names though never marked', async () => {
    const campaignId = randomId('c');
    const stray = await image(campaignId, 2 * DAY);
    const named = await image(campaignId, 2 * DAY);
    const fresh = await image(campaignId, 60_000);
    await entryModels(mongo).entries.create(
      entry(campaignId, { status: 'approved', images: [{ imageId: named, check: 'pass' }] }),
    );
    await sweepEntries(worker.deps);
    const left = await findEntryImages(mongo, [stray, named, fresh]);
    expect(left.map((i) => i.id).sort()).toEqual([named, fresh].sort());
    // The named one is marked as its entry's now: it is no stray any more.
    expect(left.find((i) => i.id === named)?.metadata.entryId).toMatch(/^e/);
  });

  it('queues the check of an entry pending for over a minute whose job was never added', async () => {
    const campaignId = randomId('c');
    const lost = entry(campaignId, { status: 'pending' });
    await entryModels(mongo).entries.collection.insertOne(lost as never);
    const id = entryJobId({ kind: 'check', entryId: lost._id });
    expect(await worker.queue.getJob(id)).toBeUndefined();
    await sweepEntries(worker.deps);
    expect(await worker.queue.getJob(id)).toBeDefined();
  });
});
