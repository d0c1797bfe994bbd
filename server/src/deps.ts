import type { Config } from '@rallyboard/core/config';
import type { Logger } from '@rallyboard/core/logger';
import type { CampaignScheduleJob, ReviewJob, ReviewJobResult, VoteJob } from '@rallyboard/core/queue';
import type { KeyBuilder } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { AuditLog } from './audit/log.js';
import type { Sessions } from './auth/sessions.js';
import type { TokenSigner } from './auth/tokens.js';
import type { BoardLookup } from './boards/lookup.js';
import type { HostResolver } from './hosts/principal.js';
import type { Api } from './http/api.js';
import type { VoteEnqueuer } from './ingest/enqueue.js';
import type { RateLimitCheck } from './ingest/rate-limits.js';
import type { VoteIds } from './ingest/vote-ids.js';
import type { Screens } from './screens/screens.js';
import type { WeChatApi } from './wechat/api.js';

/** The server's dependencies, opened by main.ts (or a test) and handed to createApp. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  keys: KeyBuilder;
  /** Command connection: board checks and leaderboard reads. */
  redis: Redis;
  /** Subscriber connection: the relay's PSUBSCRIBE to board changes. */
  subscriber: Redis;
  /** Producer side of the votes queue, on a fail-fast connection. */
  voteQueue: Queue<VoteJob>;
  /** Producer side of the campaigns queue (schedule starts and ends), on a fail-fast connection. */
  campaignQueue: Queue<CampaignScheduleJob>;
  /** Producer side of the review queue (hosts' approvals and voids), on a fail-fast connection. */
  reviewQueue: Queue<ReviewJob, ReviewJobResult>;
  mongo: Connection;
  /** The WeChat server API; built from config (and this Redis, for its token cache) when absent. */
  wechat?: WeChatApi;
}

/** What createApp builds once from the deps and hands to every route and handler. */
export interface AppContext extends AppDeps {
  /** Signs and verifies host and participant tokens. */
  tokens: TokenSigner;
  /** Participants' token pairs: issue, refresh (rotating), end (see auth/sessions.ts). */
  sessions: Sessions;
  wechat: WeChatApi;
  /** Defines validated, documented routes (see http/api.ts). */
  api: Api;
  /** Checks a host token's account on every host route (see hosts/principal.ts). */
  hosts: HostResolver;
  /** Records hosts' changes (see audit/log.ts). */
  audit: AuditLog;
  /** Issues vote ids that name their board and participant (see ingest/vote-ids.ts). */
  voteIds: VoteIds;
  boards: BoardLookup;
  enqueue: VoteEnqueuer;
  rateLimit: RateLimitCheck;
  /** The big screens' views, screen tokens and join codes (see screens/screens.ts). */
  screens: Screens;
}
