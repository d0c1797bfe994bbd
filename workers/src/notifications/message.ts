import type { MessageTemplate } from '@rallyboard/core/config';
import { localClock } from '@rallyboard/core/protocol';

/**
 * The longest value WeChat takes for a keyword of each type (its subscribe-message docs); a
 * longer one is refused with 47003, so values are cut to fit. Types not listed (time, date,
 * amount…) carry values this module formats itself.
 */
const KEYWORD_LIMITS: Readonly<Record<string, number>> = {
  thing: 20,
  name: 10,
  phrase: 5,
  symbol: 5,
  character_string: 32,
  number: 32,
  letter: 32,
};

/** Cuts `value` to `limit` characters (code points, so no emoji is split), marking a cut with '…'. */
function fit(value: string, limit: number): string {
  const chars = [...value];
  return chars.length <= limit ? value : `${chars.slice(0, limit - 1).join('')}…`;
}

/** The keyword's type: `thing1` → `thing`, `character_string2` → `character_string`. */
const typeOf = (keyword: string): string => keyword.replace(/\d+$/, '');

/**
 * The `data` of a subscribe message: each of the template's keywords filled with the event value
 * it names, cut to what its type allows. A value the event did not give (a campaign without
 * votes has no winner) is sent as '—', or as 0 where the keyword takes digits only.
 */
export function messageData(
  template: MessageTemplate,
  values: Readonly<Record<string, string>>,
): Record<string, { value: string }> {
  return Object.fromEntries(
    Object.entries(template.data).map(([keyword, name]) => {
      const type = typeOf(keyword);
      const value = values[name] || (type === 'number' || type === 'amount' ? '0' : '—');
      const limit = KEYWORD_LIMITS[type];
      return [keyword, { value: limit === undefined ? value : fit(value, limit) }];
    }),
  );
}

/**
 * The page a tap on the message opens, `{campaignId}` filled in, and `{entryId}` for a message
 * about an entry or a suggestion (its subject, before any `@status`).
 */
export const messagePage = (template: MessageTemplate, campaignId: string, subject?: string): string =>
  template.page
    .replaceAll('{campaignId}', encodeURIComponent(campaignId))
    .replaceAll('{entryId}', encodeURIComponent(subject?.split('@')[0] ?? ''));

/**
 * A time as WeChat's `time` keywords show it, in the campaign's time zone: `2026年12月5日 15:01`.
 */
export function wechatTime(at: Date, timezone: string): string {
  const c = localClock(at, timezone);
  return `${c.year}年${Number(c.month)}月${Number(c.day)}日 ${c.hour}:${c.minute}`;
}
