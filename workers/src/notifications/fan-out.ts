import type { Config } from '@rallyboard/core/config';
import {
  type CampaignDoc,
  type CampaignModel,
  type EntryDoc,
  type EntryModels,
  type NotificationModels,
  progressOf,
  unspentGrantHolders,
} from '@rallyboard/core/db';
import {
  type NotificationEvent,
  REVIEWED,
  SUBJECT_EVENTS,
  SUGGESTION_STATUS_LABELS,
} from '@rallyboard/core/protocol';
import {
  type NotificationEventJob,
  type NotificationJob,
  type NotificationSendJob,
  notificationJobId,
  queueSendAgain,
} from '@rallyboard/core/queue';
import { decodeScore, type KeyBuilder, type RedisClient } from '@rallyboard/core/redis';
import type { Queue } from 'bullmq';
import { wechatTime } from './message.js';

/** What an event's fan-out reads and where it puts the sends. */
export interface FanOutDeps {
  config: Pick<Config, 'wechat'>;
  redis: RedisClient;
  keys: KeyBuilder;
  campaigns: CampaignModel;
  models: NotificationModels;
  /** Where an entry-reviewed event reads its entry. */
  entries: Pick<EntryModels, 'entries'>;
  queue: Queue<NotificationJob>;
}

export type FanOutOutcome = { done: 'queued'; sends: number } | { done: 'nothing'; why: string };

/** The candidate first on the board's all-time ranking, and its count; none before any vote. */
async function leader(deps: FanOutDeps, campaign: CampaignDoc): Promise<{ name: string; score: string }> {
  const [id, key] = await deps.redis.zrange(deps.keys.board(campaign._id).scores, '0', '0', 'WITHSCORES');
  const count = key === undefined ? 0 : decodeScore(Number(key)).count;
  const member = campaign.members.find((m) => m.candidateId === id);
  return count > 0 && member ? { name: member.name, score: String(count) } : { name: '', score: '' };
}

/** The values an event offers its template (NOTIFICATION_VALUES), the same for every participant. */
async function eventValues(
  deps: FanOutDeps,
  event: NotificationEvent,
  campaign: CampaignDoc,
): Promise<Record<string, string>> {
  const { timezone } = campaign.schedule;
  const common = {
    campaignTitle: campaign.title,
    startAt: wechatTime(new Date(campaign.schedule.startAt), timezone),
    endAt: wechatTime(new Date(campaign.schedule.endAt), timezone),
  };
  if (event === 'campaign-started') return common;
  const winner = await leader(deps, campaign);
  return { ...common, winnerName: winner.name, winnerScore: winner.score };
}

/**
 * Turns one event into one send job per participant holding an unspent grant of the event's
 * template for the campaign. Each send's job id is its participant's, so running this again
 * (a retry, a second event job) queues nobody twice.
 */
export async function fanOut(job: NotificationEventJob, deps: FanOutDeps): Promise<FanOutOutcome> {
  const template = deps.config.wechat.templates[job.event];
  if (!template) return { done: 'nothing', why: `no template is configured for ${job.event}` };
  const campaign = await deps.campaigns.findById(job.campaignId).lean();
  if (!campaign) return { done: 'nothing', why: 'the campaign no longer exists' };
  // A subject event without its subject would reach every follower of every suggestion.
  if (job.subject === undefined && SUBJECT_EVENTS.has(job.event))
    return { done: 'nothing', why: 'no subject' };
  if (job.subject !== undefined && job.event === 'entry-reviewed')
    return toAuthor(job, job.subject, campaign, deps);
  const values =
    job.subject === undefined
      ? await eventValues(deps, job.event, campaign)
      : await suggestionValues(deps, job.subject, campaign);
  if (!values) return { done: 'nothing', why: 'the suggestion has not made that move' };
  let sends = 0;
  for await (const holders of unspentGrantHolders(
    deps.models,
    template.templateId,
    job.campaignId,
    job.subject,
  )) {
    const jobs = holders.map(
      (userId): NotificationSendJob => ({
        kind: 'send',
        event: job.event,
        campaignId: job.campaignId,
        userId,
        ...(job.subject === undefined ? {} : { subject: job.subject }),
        values,
      }),
    );
    await deps.queue.addBulk(
      jobs.map((data) => ({ name: 'send', data, opts: { jobId: notificationJobId(data) } })),
    );
    sends += jobs.length;
  }
  return { done: 'queued', sends };
}

/**
 * A suggestion's move (the subject is `<entryId>@<the status it moved from>`): the status it moved
 * to, the reply and when. Undefined when the suggestion has not moved on from there.
 */
async function suggestionValues(
  deps: FanOutDeps,
  subject: string,
  campaign: CampaignDoc,
): Promise<Record<string, string> | undefined> {
  const [entryId = '', from = ''] = subject.split('@');
  const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
  if (!entry || entry.campaignId !== campaign._id || entry.status !== 'approved') return undefined;
  const { history } = progressOf(entry);
  const at = history.findIndex((step) => step.status === from);
  const move = at < 0 ? undefined : history[at + 1];
  if (!move) return undefined;
  return {
    campaignTitle: campaign.title,
    suggestionTitle: entry.title,
    status: SUGGESTION_STATUS_LABELS[move.status],
    reply: move.reply ?? '',
    movedAt: wechatTime(new Date(move.at), campaign.schedule.timezone),
  };
}

/**
 * A subject event (an entry's review) goes to the entry's author only, once decided: approved, or
 * rejected with the reason they read. The send spends the grant given for that entry.
 */
async function toAuthor(
  job: NotificationEventJob,
  entryId: string,
  campaign: CampaignDoc,
  deps: FanOutDeps,
): Promise<FanOutOutcome> {
  const entry = await deps.entries.entries.findById(entryId).lean<EntryDoc>();
  if (!entry || entry.campaignId !== campaign._id) return { done: 'nothing', why: 'no such entry' };
  if (!REVIEWED.includes(entry.status)) {
    return { done: 'nothing', why: `the entry is ${entry.status}` };
  }
  const decided = entry.history.findLast((e) => e.status === entry.status)?.at ?? entry.updatedAt;
  const send: NotificationSendJob = {
    kind: 'send',
    event: job.event,
    campaignId: campaign._id,
    userId: entry.userId,
    subject: entryId,
    values: {
      campaignTitle: campaign.title,
      entryTitle: entry.title,
      result: entry.status === 'approved' ? '已通过' : '未通过',
      reason: entry.status === 'rejected' ? (entry.reason ?? '') : '',
      reviewedAt: wechatTime(new Date(decided), campaign.schedule.timezone),
    },
  };
  // Again if it ran already: its send finds the log, and sends only if it never did for want of
  // a grant that has come since (send.ts).
  await queueSendAgain(deps.queue, send);
  return { done: 'queued', sends: 1 };
}
