import type { Config } from '@rallyboard/core/config';
import {
  boardModel,
  campaignModel,
  type EntrySettingsDoc,
  entryModels,
  wechatPushModels,
} from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { createEntryQueue, createNotificationQueue, queueEntryReviewed } from '@rallyboard/core/queue';
import { closeRedis, createKeys } from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { createEntryWorker } from '../../workers/src/entries/entry-worker.js';
import { testRedis } from './stack.js';

/**
 * The workers' entries worker, in process, on the test's prefix: what asks (the fake) WeChat
 * about new entries and settles them when the image verdicts come back by push.
 */
export async function startTestEntryWorker(config: Config, mongo: Connection, now: () => number = Date.now) {
  const keys = createKeys(config.keyPrefix);
  const [redis, producer, connection] = await Promise.all([
    testRedis(config, 'command'),
    testRedis(config, 'producer'),
    testRedis(config, 'worker'),
  ]);
  const queue = createEntryQueue(producer, keys, config.entries.checkRetryMs);
  queue.on('error', () => {});
  const notifications = createNotificationQueue(producer, keys);
  notifications.on('error', () => {});
  const logger = createLogger(config, 'workers', 'test');
  const deps = {
    config,
    logger,
    redis,
    keys,
    mongo,
    campaigns: campaignModel(mongo),
    boards: boardModel(mongo),
    entries: entryModels(mongo),
    pushes: wechatPushModels(mongo),
    wechat: createWeChatApi({ config, keys, redis, logger }),
    queue,
    notify: (entry: { _id: string; campaignId: string }) => queueEntryReviewed(notifications, entry),
    now,
  };
  const worker = createEntryWorker(deps, connection);
  void worker.run();
  await worker.waitUntilReady();
  return {
    deps,
    queue,
    async close() {
      await worker.close();
      await Promise.all([queue.close(), notifications.close()]);
      await Promise.all([closeRedis(redis), closeRedis(producer), closeRedis(connection)]);
    },
  };
}

/** Uploads a file as wx.uploadFile does: multipart/form-data, the file in `field`. */
export async function uploadFile(
  url: string,
  headers: Record<string, string>,
  file: { bytes: Buffer; filename?: string; contentType?: string; field?: string },
): Promise<{ status: number; body: unknown }> {
  const form = new FormData();
  form.append(
    file.field ?? 'image',
    new Blob([new Uint8Array(file.bytes)], { type: file.contentType ?? 'application/octet-stream' }),
    file.filename ?? 'tmp_upload',
  );
  const res = await fetch(url, { method: 'POST', headers, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Opens entries on a campaign straight in the database (as PUT …/entry-settings writes them): a
 * window from a minute ago to a day ahead, optional text, up to three pictures, a host's approval,
 * unless `settings` say otherwise.
 */
export async function openEntries(
  mongo: Connection,
  campaignId: string,
  settings: Partial<Omit<EntrySettingsDoc, '_id'>> = {},
): Promise<void> {
  await entryModels(mongo).settings.create({
    _id: campaignId,
    opensAt: new Date(Date.now() - 60_000),
    closesAt: new Date(Date.now() + 86_400_000),
    perParticipant: 1,
    text: 'optional',
    minImages: 0,
    maxImages: 3,
    approval: 'host',
    purpose: 'contest',
    updatedAt: new Date(),
    ...settings,
  });
}
