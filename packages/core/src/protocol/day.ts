import { z } from 'zod';
/** The default timezone of a board's daily ranking. */
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/** True when the runtime knows the IANA timezone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The last answer per timezone: a worker asks for the same minute thousands of times a second. */
const lastAnswer = new Map<string, { minute: number; day: string }>();

/**
 * The calendar day (`YYYY-MM-DD`) that an instant falls on in a timezone. Every UTC offset is a
 * whole number of minutes, so all instants of one UTC minute fall on the same day: the answer is
 * kept per timezone and minute.
 */
export function dayOf(epochMs: number, timeZone: string): string {
  const minute = Math.floor(epochMs / 60_000);
  const cached = lastAnswer.get(timeZone);
  if (cached?.minute === minute) return cached.day;
  const day = formatDay(epochMs, timeZone);
  lastAnswer.set(timeZone, { minute, day });
  return day;
}

function formatDay(epochMs: number, timeZone: string): string {
  const { year, month, day } = localClock(epochMs, timeZone);
  return `${year}-${month}-${day}`;
}

/** Answers of startOfNextDay per timezone and day: a day's end never changes. */
const nextDayStarts = new Map<string, number>();

/**
 * The first instant (epoch ms, to the minute) of the day after the one `epochMs` falls on, in
 * the timezone: when a daily quota resets. Found by bisection on whole minutes, so daylight
 * saving changes and odd offsets need no special case; then kept per timezone and day, since
 * ingest asks for it with every vote on a board with quotas.
 */
export function startOfNextDay(epochMs: number, timeZone: string): number {
  const today = dayOf(epochMs, timeZone);
  const key = `${timeZone}\n${today}`;
  const known = nextDayStarts.get(key);
  if (known !== undefined) return known;
  let before = Math.floor(epochMs / 60_000);
  let after = before + 27 * 60;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (formatDay(middle * 60_000, timeZone) === today) before = middle;
    else after = middle;
  }
  if (nextDayStarts.size >= 1_000) nextDayStarts.clear();
  nextDayStarts.set(key, after * 60_000);
  return after * 60_000;
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant's wall clock in a timezone, each part zero-padded (`month` `01`…`12`, `hour`
 * `00`…`23`): what texts that name a local time are built from.
 */
export function localClock(
  at: Date | number,
  timeZone: string,
): { year: string; month: string; day: string; hour: string; minute: string; second: string } {
  let format = clockFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    clockFormatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: parts.year ?? '',
    month: parts.month ?? '',
    day: parts.day ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    second: parts.second ?? '',
  };
}

/** The moments a date can name and still be written back as ISO 8601 with a 4-digit year. */
const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A moment given as ISO 8601 with an offset (or Z), within years 0000 to 9999 in UTC: one past
 * either end (9999-12-31T23:59:59-12:00, 0000-01-01T00:00:00+08:00) is year 10000 or -1 once it is
 * stored, which no ISO 8601 answer, and no client's check of one, takes.
 */
export const instantSchema = z.iso
  .datetime({ offset: true })
  .refine(
    (v) => Date.parse(v) >= FIRST_INSTANT && Date.parse(v) <= LAST_INSTANT,
    'must be within 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z',
  );
