import {
  type NotificationEvent,
  type NotificationTemplates,
  notificationTemplatesSchema,
  subscriptionAnswerSchema,
} from '../protocol/notifications.js';
import { authorized } from './auth.js';
import { request, withRetries } from './request.js';

/** Where the campaigns and events already asked about on this install are kept. */
const ASKED_KEY = 'rallyboard.subscribeAsked';

let templates: NotificationTemplates['templates'] | undefined;

/**
 * Reads which templates the service sends (once per app run). A page calls it when it loads, so
 * that a later tap can ask at once: WeChat shows its prompt only from a tap, not after a wait.
 * Never throws: without the list, no prompt is shown.
 */
export async function loadTemplates(): Promise<void> {
  if (templates) return;
  try {
    templates = (
      await request({ method: 'GET', path: '/api/notifications/templates' }, notificationTemplatesSchema)
    ).templates;
  } catch {
    // No prompt this time; the next page load tries again.
  }
}

/** For tests: forgets the list read, as a new app run would. */
export function forgetTemplates(): void {
  templates = undefined;
}

const askedOf = (): Record<string, boolean> => {
  const stored: unknown = wx.getStorageSync(ASKED_KEY);
  return typeof stored === 'object' && stored !== null ? (stored as Record<string, boolean>) : {};
};

/**
 * What came of asking: `recorded` the user accepted and the server holds the grant; `declined`;
 * `asked` already, on this install; `unavailable` no prompt (no template for the event, the list
 * not loaded, subscriptions turned off in WeChat, or the grant not recorded: offline).
 */
export type AskOutcome = 'recorded' | 'declined' | 'asked' | 'unavailable';

/**
 * From a tap: asks the user whether to hear of `event` for the campaign (开始提醒, 结果通知), or
 * for their entry `entryId` (审核结果), once per campaign, event (and entry) on this install, and records an accept on the server. Nothing is
 * rewarded or unlocked by it, and whatever the answer, the tap's own action goes on; it never
 * throws.
 */
export function askToHear(
  event: NotificationEvent,
  campaignId: string,
  entryId?: string,
  options: { at?: string; again?: boolean } = {},
): Promise<AskOutcome> {
  const templateId = templates?.find((t) => t.event === event)?.templateId;
  // A suggestion's grant is for its next move: asked again once it has moved (`at`, its status).
  const subject =
    entryId === undefined ? '' : `|${entryId}${options.at === undefined ? '' : `@${options.at}`}`;
  const key = `${event}|${campaignId}${subject}`;
  if (!templateId) return Promise.resolve('unavailable');
  // `again`: the user's own tap on a button that asks (进度通知我), not a prompt riding on a vote.
  if (askedOf()[key] && !options.again) return Promise.resolve('asked');
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: [templateId],
      success: (answer) => {
        const asked = () => wx.setStorageSync(ASKED_KEY, { ...askedOf(), [key]: true });
        const said = (answer as unknown as Record<string, string>)[templateId];
        if (said !== 'accept') {
          asked();
          resolve('declined');
          return;
        }
        // The accept is WeChat's, given once: a send whose answer was lost, or answered 503 (the
        // grant recorded but its catch-up not queued), is sent again as it is, with no new
        // prompt (the server holds one grant however often it comes). Not recorded after that
        // (offline): the next tap asks again.
        withRetries(() =>
          authorized(
            {
              method: 'POST',
              path: '/api/me/subscriptions',
              body: {
                campaignId,
                ...(entryId === undefined ? {} : { entryId }),
                answers: { [templateId]: said },
              },
            },
            subscriptionAnswerSchema,
          ),
        ).then(
          () => {
            asked();
            resolve('recorded');
          },
          () => resolve('unavailable'),
        );
      },
      // The user turned subscriptions off, or WeChat could not show the prompt.
      fail: () => resolve('unavailable'),
    });
  });
}
