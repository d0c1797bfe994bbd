import type { Config } from '@rallyboard/core/config';
import type { ArchiveModels, BoardModel, LedgerModel } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import type { ReviewJob } from '@rallyboard/core/queue';
import type { KeyBuilder, RedisClient } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import type { WorkerMetrics } from './metrics/recorders.js';

/** Everything a processor needs, passed in so tests can give it real but isolated services. */
export interface WorkerDeps {
  config: Config;
  logger: Logger;
  /** Command connection for the Lua scripts. */
  redis: RedisClient;
  keys: KeyBuilder;
  ledger: LedgerModel;
  /** The system of record's boards: tells a lost board state from a board that never was. */
  boards: BoardModel;
  /** Ended periods' rankings (a review that changes an ended period's votes corrects its archive). */
  archives: ArchiveModels;
  /** Tags published changes with the applying process, for tracing. */
  instanceId: string;
  /** Where risk control puts the holds of clusters it found (see review/). */
  reviewQueue: Queue<ReviewJob>;
  /** Batches, verdicts, rules and ledger writes for the metrics port; none recorded when absent. */
  metrics?: Pick<WorkerMetrics, 'apply'>;
}
