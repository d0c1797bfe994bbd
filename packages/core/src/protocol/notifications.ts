import { z } from 'zod';
import { entryIdSchema } from './entries.js';
import { boardIdSchema } from './ids.js';

/**
 * What a participant can be told by a subscribe message (订阅消息), and the values each event
 * offers a template's fields. A deployment maps each event it uses to one of its templates
 * (WECHAT_TEMPLATES: config/templates.ts); an event without a template is never sent.
 */
export const NOTIFICATION_VALUES = {
  /** A scheduled campaign opened for votes (开始提醒). */
  'campaign-started': ['campaignTitle', 'startAt', 'endAt'],
  /** A campaign's results are final: at its end (结果通知). A frozen campaign, even revealed, still counts votes. */
  'results-final': ['campaignTitle', 'endAt', 'winnerName', 'winnerScore'],
  /** A host (or WeChat's check) decided the participant's entry (审核结果): approved or not, and why. */
  'entry-reviewed': ['campaignTitle', 'entryTitle', 'result', 'reason', 'reviewedAt'],
  /** A suggestion the participant wrote or liked moved on (进度通知): its new status and the reply. */
  'suggestion-progress': ['campaignTitle', 'suggestionTitle', 'status', 'reply', 'movedAt'],
} as const satisfies Record<string, readonly string[]>;

export type NotificationEvent = keyof typeof NOTIFICATION_VALUES;
export const NOTIFICATION_EVENTS = Object.keys(NOTIFICATION_VALUES) as NotificationEvent[];
export const notificationEventSchema = z.enum(
  NOTIFICATION_EVENTS as [NotificationEvent, ...NotificationEvent[]],
);

/**
 * Events about one thing, not the whole campaign: a grant is given for that thing (the
 * subscription names it). An entry's review goes to its author only; a suggestion's next move
 * (the subject is the suggestion and the status it moves from) to everyone holding a grant for it.
 */
export const SUBJECT_EVENTS: ReadonlySet<NotificationEvent> = new Set([
  'entry-reviewed',
  'suggestion-progress',
]);

/** A template id as WeChat issues them (the console's 模板ID). */
export const templateIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a WeChat template id: letters, digits, _ and -');

/** How the user answered one template in `wx.requestSubscribeMessage`. */
export const subscribeAnswerSchema = z.enum(['accept', 'reject', 'ban', 'filter']);

/**
 * POST /api/me/subscriptions: what `wx.requestSubscribeMessage` answered (at most 3 templates a
 * call, its own limit), for a campaign. Each `accept` allows one message of that template.
 */
export const subscriptionBodySchema = z.strictObject({
  campaignId: boardIdSchema,
  /**
   * The entry a subject event's grant is for: for entry-reviewed the participant's own, not
   * decided yet (or decided since their grant for it was recorded: a retry); for
   * suggestion-progress an approved suggestion still moving (its next move).
   */
  entryId: entryIdSchema.optional(),
  answers: z
    .record(templateIdSchema, subscribeAnswerSchema)
    .refine((a) => Object.keys(a).length >= 1 && Object.keys(a).length <= 3, {
      message: 'answers for 1 to 3 templates, as wx.requestSubscribeMessage gives them',
    }),
});
export type SubscriptionBody = z.infer<typeof subscriptionBodySchema>;

/** Per accepted template: the event it is for, and whether a grant was recorded now or held already. */
export const subscriptionAnswerSchema = z.object({
  grants: z.array(
    z.object({
      templateId: templateIdSchema,
      event: notificationEventSchema,
      recorded: z.enum(['new', 'held', 'used']),
    }),
  ),
});
export type SubscriptionAnswer = z.infer<typeof subscriptionAnswerSchema>;

/** GET /api/notifications/templates: which template to ask for, for each event this deployment sends. */
export const notificationTemplatesSchema = z.object({
  templates: z.array(z.object({ event: notificationEventSchema, templateId: templateIdSchema })),
});
export type NotificationTemplates = z.infer<typeof notificationTemplatesSchema>;

/** Where a send stands, as the send log says: see docs/notifications.md. */
export const SEND_STATUSES = ['sending', 'sent', 'dropped', 'failed'] as const;

/**
 * GET /api/campaigns/:campaignId/notifications: the console's send log, per event: the template
 * (null: none configured, nothing is sent), the grants participants gave, the sends by outcome,
 * and why sends were dropped or failed.
 */
export const campaignNotificationsSchema = z.object({
  events: z.array(
    z.object({
      event: notificationEventSchema,
      templateId: templateIdSchema.nullable(),
      grants: z.number().int().nonnegative(),
      sends: z.record(z.enum(SEND_STATUSES), z.number().int().nonnegative()),
      reasons: z.array(z.object({ reason: z.string(), count: z.number().int().positive() })),
    }),
  ),
});
export type CampaignNotifications = z.infer<typeof campaignNotificationsSchema>;
