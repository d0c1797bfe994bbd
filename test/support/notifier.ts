import type { Config } from '@rallyboard/core/config';
import { campaignModel, entryModels, notificationModels, participantModel } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import { createNotificationQueue } from '@rallyboard/core/queue';
import { closeRedis, createKeys } from '@rallyboard/core/redis';
import { createWeChatApi } from '@rallyboard/core/wechat';
import type { Connection } from 'mongoose';
import { createNotificationWorker } from '../../workers/src/notifications/notification-worker.js';
import { testRedis } from './stack.js';

/**
 * The workers' notifications worker, in process, on the test's prefix: what turns a campaign's
 * start or end into subscribe messages sent through (the fake) WeChat.
 */
export async function startTestNotifier(config: Config, mongo: Connection) {
  const keys = createKeys(config.keyPrefix);
  const [redis, producer, connection] = await Promise.all([
    testRedis(config, 'command'),
    testRedis(config, 'producer'),
    testRedis(config, 'worker'),
  ]);
  const queue = createNotificationQueue(producer, keys);
  queue.on('error', () => {});
  const logger = createLogger(config, 'workers', 'test');
  const worker = createNotificationWorker(
    {
      config,
      logger,
      redis,
      keys,
      campaigns: campaignModel(mongo),
      models: notificationModels(mongo),
      entries: entryModels(mongo),
      participants: participantModel(mongo),
      wechat: createWeChatApi({ config, keys, redis, logger }),
      queue,
    },
    connection,
  );
  void worker.run();
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await queue.close();
      await Promise.all([closeRedis(redis), closeRedis(producer), closeRedis(connection)]);
    },
  };
}
