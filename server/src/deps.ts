import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import type {
  CampaignScheduleJob,
  EntryJob,
  NotificationJob,
  ReviewJob,
  ReviewJobResult,
  VoteJob,
} from '@rallyboard/core/queue';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { WeChatApi } from '@rallyboard/core/wechat';
import type { Queue } from 'bullmq';
import type { Connection } from 'mongoose';

/** The server's dependencies, opened by main.ts (or a test) and handed to createApp. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  keys: KeyBuilder;
  /** Command connection: board checks and leaderboard reads. */
  redis: RedisClient;
  /** Subscriber connection: the relay's PSUBSCRIBE to board changes. */
  subscriber: RedisClient;
  /** Producer side of the votes queue, on a fail-fast connection. */
  voteQueue: Queue<VoteJob>;
  /** Producer side of the campaigns queue (schedule starts and ends), on a fail-fast connection. */
  campaignQueue: Queue<CampaignScheduleJob>;
  /** Producer side of the review queue (hosts' approvals and voids), on a fail-fast connection. */
  reviewQueue: Queue<ReviewJob, ReviewJobResult>;
  /** Producer side of the notifications queue (a campaign's start, its results), on a fail-fast connection. */
  notificationQueue: Queue<NotificationJob>;
  /** Producer side of the entries queue (content checks of participants' entries), on a fail-fast connection. */
  entryQueue: Queue<EntryJob>;
  mongo: Connection;
  /** The WeChat server API; built from config (and this Redis, for its token cache) when absent. */
  wechat?: WeChatApi;
  /**
   * The clock, epoch ms: when ingest accepts a vote (so the day it counts for) and which period
   * is current for a read or a room. A test moves it across midnight. @default Date.now
   */
  now?: () => number;
}
