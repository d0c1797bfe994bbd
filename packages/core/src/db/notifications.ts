import { type Connection, Schema } from 'mongoose';
import {
  type CampaignNotifications,
  type NotificationEvent,
  SEND_STATUSES,
} from '../protocol/notifications.js';
import { isDuplicateKey } from './duplicate-key.js';

/**
 * Subscribe messages (订阅消息): the one-time grants participants gave (each `accept` in
 * `wx.requestSubscribeMessage` allows one message of that template), the spends that use them, and
 * the log of every send. No message goes out without a grant spent for it first.
 *
 * A grant is for one template, one campaign and one participant (grantIdOf): the campaign events
 * happen once per campaign, so a participant needs one grant per template and campaign, and a
 * second `accept` for the same is answered as held already. A subject event's grant (an entry's
 * review) is also for its subject: one per entry. A spend is a unique insert keyed by
 * the grant (FerretDB has no atomic read-and-update), so two sends can never both spend it.
 */

export interface SubscriptionGrantDoc {
  /** grantIdOf(templateId, campaignId, userId, subject). */
  _id: string;
  userId: string;
  /** What a subject event's grant is for (an entry id); absent for campaign events. */
  subject?: string | undefined;
  campaignId: string;
  templateId: string;
  event: NotificationEvent;
  grantedAt: Date;
}

/** A grant used: by the send whose id it holds. Deleted again if WeChat refused the message. */
export interface SubscriptionSpendDoc {
  /** The grant's id. */
  _id: string;
  sendId: string;
  spentAt: Date;
}

/** How a send ended, or where it stands. */
export type SendStatus = (typeof SEND_STATUSES)[number];

/** One message to one participant for one event: the send log the console reads. */
export interface NotificationSendDoc {
  /** sendIdOf(event, campaignId, userId, subject). */
  _id: string;
  event: NotificationEvent;
  campaignId: string;
  userId: string;
  templateId: string;
  status: SendStatus;
  /** Why it was dropped or failed: NO_GRANT, or WECHAT_<errcode>, or the transport's failure. */
  reason?: string | undefined;
  attempts: number;
  updatedAt: Date;
  sentAt?: Date | undefined;
}

const grantSchema = new Schema<SubscriptionGrantDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    campaignId: { type: String, required: true },
    templateId: { type: String, required: true },
    event: { type: String, required: true },
    subject: { type: String },
    grantedAt: { type: Date, required: true },
  },
  { collection: 'subscriptionGrants', versionKey: false },
);
// An event's grants: the fan-out reads them by template and campaign.
grantSchema.index({ templateId: 1, campaignId: 1 });
// The console's count of an event's grants.
grantSchema.index({ campaignId: 1, event: 1 });

const spendSchema = new Schema<SubscriptionSpendDoc>(
  {
    _id: { type: String, required: true },
    sendId: { type: String, required: true },
    spentAt: { type: Date, required: true },
  },
  { collection: 'subscriptionSpends', versionKey: false },
);

const sendSchema = new Schema<NotificationSendDoc>(
  {
    _id: { type: String, required: true },
    event: { type: String, required: true },
    campaignId: { type: String, required: true },
    userId: { type: String, required: true },
    templateId: { type: String, required: true },
    status: { type: String, required: true },
    reason: { type: String },
    attempts: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    sentAt: { type: Date },
  },
  { collection: 'notificationSends', versionKey: false },
);
// The console's counts per campaign, event and outcome.
sendSchema.index({ campaignId: 1, event: 1, status: 1 });

/** The grant, spend and send models on a connection, each compiled once per connection. */
export function notificationModels(connection: Connection) {
  const model = <T>(name: string, schema: Schema<T>) =>
    connection.models[name] ? connection.model<T>(name) : connection.model<T>(name, schema);
  return {
    grants: model('SubscriptionGrant', grantSchema),
    spends: model('SubscriptionSpend', spendSchema),
    sends: model('NotificationSend', sendSchema),
  };
}
export type NotificationModels = ReturnType<typeof notificationModels>;

/** A grant's id: per template, campaign and participant, and the subject (an entry) for subject events. */
export const grantIdOf = (templateId: string, campaignId: string, userId: string, subject?: string): string =>
  `${templateId}|${campaignId}|${userId}${subject === undefined ? '' : `|${subject}`}`;

export const sendIdOf = (
  event: NotificationEvent,
  campaignId: string,
  userId: string,
  subject?: string,
): string => `${event}|${campaignId}|${userId}${subject === undefined ? '' : `|${subject}`}`;

/**
 * Records a participant's `accept` of a template for a campaign.
 * @returns `new` recorded now, `held` a grant waits already, `used` one was spent on this campaign
 */
export async function recordGrant(
  models: NotificationModels,
  grant: Omit<SubscriptionGrantDoc, '_id' | 'grantedAt'>,
  now = new Date(),
): Promise<'new' | 'held' | 'used'> {
  const _id = grantIdOf(grant.templateId, grant.campaignId, grant.userId, grant.subject);
  try {
    await models.grants.create({ _id, ...grant, grantedAt: now });
    return 'new';
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  return (await models.spends.exists({ _id })) ? 'used' : 'held';
}

/**
 * The participants holding an unspent grant of `templateId` for `campaignId` (and `subject`, for
 * a subject event), a page at a time.
 */
export async function* unspentGrantHolders(
  models: NotificationModels,
  templateId: string,
  campaignId: string,
  subject?: string,
  pageSize = 500,
): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const page = await models.grants
      .find(
        { templateId, campaignId, ...(subject === undefined ? {} : { subject }), _id: { $gt: after } },
        { _id: 1, userId: 1 },
      )
      .sort({ _id: 1 })
      .limit(pageSize)
      .lean();
    if (page.length === 0) return;
    after = page[page.length - 1]?._id ?? after;
    const spent = new Set(
      (await models.spends.find({ _id: { $in: page.map((g) => g._id) } }, { _id: 1 }).lean()).map(
        (s) => s._id,
      ),
    );
    const holders = page.filter((g) => !spent.has(g._id)).map((g) => g.userId);
    if (holders.length > 0) yield holders;
  }
}

/**
 * Spends a participant's grant for one send, once: a send retried after a crash finds its own
 * spend and goes on.
 * @returns `spent` (now or by this send before), `none` no grant, `taken` spent by another send
 */
export async function spendGrant(
  models: NotificationModels,
  grantId: string,
  sendId: string,
  now = new Date(),
): Promise<'spent' | 'none' | 'taken'> {
  if (!(await models.grants.exists({ _id: grantId }))) return 'none';
  try {
    await models.spends.create({ _id: grantId, sendId, spentAt: now });
    return 'spent';
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const spend = await models.spends.findById(grantId, { sendId: 1 }).lean();
  return spend?.sendId === sendId ? 'spent' : 'taken';
}

/** Gives a grant back after WeChat refused the message it was spent on (it did not use the user's allowance). */
export async function releaseGrant(
  models: NotificationModels,
  grantId: string,
  sendId: string,
): Promise<void> {
  await models.spends.deleteOne({ _id: grantId, sendId });
}

/** Writes where a send stands; `attempts` counts the tries that reached WeChat's answer or its failure. */
export async function recordSend(
  models: NotificationModels,
  send: Omit<NotificationSendDoc, 'updatedAt'>,
  now = new Date(),
): Promise<void> {
  const { _id, reason, ...fields } = send;
  const set = { ...fields, updatedAt: now, ...(send.status === 'sent' ? { sentAt: now } : {}) };
  await models.sends.updateOne(
    { _id },
    reason === undefined ? { $set: set, $unset: { reason: 1 } } : { $set: { ...set, reason } },
    { upsert: true },
  );
}

/**
 * One event's line of the console's send log for a campaign: its grants, its sends by outcome,
 * and the reasons of those dropped or failed, most frequent first. Counts, never a scan of
 * participants: one count per status and reason.
 */
export async function notificationCounts(
  models: NotificationModels,
  campaignId: string,
  event: NotificationEvent,
  templateId: string | null,
): Promise<CampaignNotifications['events'][number]> {
  const [grants, counts, reasons] = await Promise.all([
    models.grants.countDocuments({ campaignId, event }),
    Promise.all(SEND_STATUSES.map((status) => models.sends.countDocuments({ campaignId, event, status }))),
    models.sends.distinct('reason', { campaignId, event, status: { $in: ['dropped', 'failed'] } }),
  ]);
  const reasonCounts = await Promise.all(
    (reasons as string[]).map(async (reason) => ({
      reason,
      count: await models.sends.countDocuments({
        campaignId,
        event,
        status: { $in: ['dropped', 'failed'] },
        reason,
      }),
    })),
  );
  return {
    event,
    templateId,
    grants,
    sends: Object.fromEntries(SEND_STATUSES.map((status, i) => [status, counts[i] ?? 0])) as Record<
      SendStatus,
      number
    >,
    reasons: reasonCounts
      .filter((r) => r.count > 0)
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
