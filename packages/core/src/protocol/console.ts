import { z } from 'zod';
import { campaignStatusSchema } from './campaigns.js';

/**
 * What the host console (`/console`) reads besides the campaign, review and risk routes: the
 * live monitor and the bull-board session. docs/console.md describes the console.
 */

const isoDate = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

/** `GET /api/campaigns/:campaignId/monitor`: the campaign's pulse, read from Redis and the queue. */
export const campaignMonitorSchema = z.object({
  at: isoDate,
  status: campaignStatusSchema,
  /** Votes ingest accepted in each of the last 60 whole seconds, oldest first. */
  votesPerSecond: z.array(z.object({ at: isoDate, votes: count })),
  /** The mean of `votesPerSecond`: votes a second over the last minute. */
  rate: z.number().min(0),
  /** Counted votes on the live ranking (likes net of unlikes): what the board's total says. */
  total: z.number().int(),
  /**
   * Votes the workers decided, by verdict, since the campaign began, from the workers' tallies
   * (risk-judged campaigns): each vote once, as first decided.
   */
  verdicts: z.object({ counted: count, held: count, rejected: count }),
  /** The votes queue, shared by every campaign of the deployment, in jobs (a job carries a batch). */
  queue: z.object({
    waiting: count,
    delayed: count,
    active: count,
    /** waiting + delayed + active. */
    depth: count,
    /** Age of the oldest job not yet finished (waiting or active), in ms: 0 when none waits. */
    lagMs: count,
  }),
  /**
   * The campaign's dead letters: vote jobs that failed for good, and the accepted votes they hold,
   * not counted until replayed (`npm run replay -- <campaignId>`).
   */
  deadLetters: z.object({ jobs: count, votes: count }),
  /**
   * The board is fenced by a rebuild from the ledger (`npm run rebuild`): its votes wait in the
   * queue and count once it is installed. One that stays fenced failed part-way and must be run
   * again (docs/operations.md).
   */
  rebuilding: z.boolean(),
});
export type CampaignMonitor = z.infer<typeof campaignMonitorSchema>;

/** `POST /api/admin/queue-session`: the bull-board cookie was set; this is when it expires. */
export const queueSessionSchema = z.object({
  /** Where bull-board is: open it in the same browser. */
  url: z.string(),
  expiresAt: isoDate,
});
export type QueueSession = z.infer<typeof queueSessionSchema>;
