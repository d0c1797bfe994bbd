import { z } from 'zod';
import { NOTIFICATION_VALUES, type NotificationEvent, templateIdSchema } from '../protocol/notifications.js';

/**
 * One event's subscribe-message template: its id, the page a tap opens (`{campaignId}` is filled
 * in, and `{entryId}` for an entry's or a suggestion's message), and which of the event's values
 * fills each of the template's keywords (`thing1`, `time2`…, as the template's detail page in the
 * WeChat console lists them).
 */
export interface MessageTemplate {
  readonly templateId: string;
  readonly page: string;
  readonly data: Readonly<Record<string, string>>;
}

/** The templates of the events this deployment sends; an event absent here is never sent. */
export type MessageTemplates = Readonly<Partial<Record<NotificationEvent, MessageTemplate>>>;

const keywordSchema = z.string().regex(/^[a-z_]+\d+$/, 'a template keyword such as thing1 or time2');

/**
 * What a tap on an event's message opens unless its template says: the mini-program's page of what
 * the message is about (pages in miniprogram/app.json). Until 2026-12-07 every event's was
 * `pages/index/index`, a page the mini-program does not have.
 */
const DEFAULT_MESSAGE_PAGES: Readonly<Record<NotificationEvent, string>> = {
  'campaign-started': 'pages/campaign/index?campaignId={campaignId}',
  'results-final': 'pages/ranking/index?campaignId={campaignId}',
  'entry-reviewed': 'pages/my-entries/index?campaignId={campaignId}',
  'suggestion-progress': 'pages/suggestion/index?campaignId={campaignId}&entryId={entryId}',
};

const templateSchema = (event: NotificationEvent) =>
  z.strictObject({
    templateId: templateIdSchema,
    page: z.string().min(1).max(200).default(DEFAULT_MESSAGE_PAGES[event]),
    data: z
      .record(keywordSchema, z.enum(NOTIFICATION_VALUES[event]))
      .refine((d) => Object.keys(d).length > 0, { message: 'name at least one keyword' }),
  });

const templatesSchema = z
  .strictObject(
    Object.fromEntries(
      Object.keys(NOTIFICATION_VALUES).map((event) => [
        event,
        templateSchema(event as NotificationEvent).optional(),
      ]),
    ) as Record<NotificationEvent, z.ZodOptional<ReturnType<typeof templateSchema>>>,
  )
  .refine(
    (t) => {
      const ids = Object.values(t).flatMap((template) => (template ? [template.templateId] : []));
      return new Set(ids).size === ids.length;
    },
    { message: 'each event needs a template of its own' },
  );

/**
 * WECHAT_TEMPLATES: a JSON object, event → `{ templateId, page?, data: { keyword: value } }`,
 * e.g. `{"results-final":{"templateId":"…","data":{"thing1":"campaignTitle","thing2":"winnerName"}}}`.
 * Unset or blank: no event is sent.
 */
export const messageTemplatesEnv = z
  .string()
  .optional()
  .transform((value, ctx): MessageTemplates => {
    if (value === undefined || value.trim() === '') return {};
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object' });
      return z.NEVER;
    }
    const parsed = templatesSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || '(value)'}: ${issue.message}` });
      }
      return z.NEVER;
    }
    return parsed.data as MessageTemplates;
  });
