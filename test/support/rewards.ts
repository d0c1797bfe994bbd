import type { Config } from '@rallyboard/core/config';
import { ledgerModel, rewardModels } from '@rallyboard/core/db';
import { createLogger } from '@rallyboard/core/logger';
import type { Connection } from 'mongoose';
import { runRewardPass } from '../../workers/src/rewards/pass.js';
import type { TestServer } from './stack.js';

/**
 * One rewards pass as the workers run it, `ahead` of now: a new rule's backfill (due a few seconds
 * after the rule) is due at once, and a test can step the campaign-wide triggers' clocks.
 */
export const rewardPass = (server: TestServer, mongo: Connection, config: Config, ahead = 60_000) =>
  runRewardPass(
    {
      redis: server.deps.redis,
      keys: server.deps.keys,
      ledger: ledgerModel(mongo),
      rewards: rewardModels(mongo),
      logger: createLogger(config, 'workers', 'test'),
    },
    Date.now() + ahead,
  );
