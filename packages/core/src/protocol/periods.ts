import { z } from 'zod';

/**
 * The windows that reset on a schedule: a day, a week and a calendar month in the board's
 * timezone. A period is named by its first day (`YYYY-MM-DD`), so each is found from any of
 * its days by calendar arithmetic alone: the day a vote counts for (dayOf, in the timezone)
 * gives its week and its month too.
 */
export const PERIOD_WINDOWS = ['day', 'week', 'month'] as const;
export type PeriodWindow = (typeof PERIOD_WINDOWS)[number];

/** The first day of a board's week, ISO numbering: 1 Monday … 7 Sunday. */
export const weekStartsOnSchema = z.number().int().min(1).max(7);
/** Weeks start on Monday unless a campaign says otherwise. */
export const DEFAULT_WEEK_STARTS_ON = 1;

/**
 * The week start a record holds (a campaign's schedule, a board), or Monday for one that has
 * none: made before weekly rankings, or a change that left it out.
 */
export const weekStartOf = (holder: { weekStartsOn?: number | undefined } | null | undefined): number =>
  holder?.weekStartsOn ?? DEFAULT_WEEK_STARTS_ON;

/** The longest a period lasts, in days: how long after its last vote its keys must live, beyond retention. */
export const PERIOD_MAX_DAYS: Readonly<Record<PeriodWindow, number>> = { day: 1, week: 7, month: 31 };

const DAY_MS = 86_400_000;

/** A calendar day as epoch ms at 00:00 UTC (the calendar, not an instant in any timezone). */
const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const dayName = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The first day of the period of `window` that `day` falls in.
 * @param weekStartsOn 1 Monday … 7 Sunday
 */
export function periodStart(
  day: string,
  window: PeriodWindow,
  weekStartsOn = DEFAULT_WEEK_STARTS_ON,
): string {
  if (window === 'day') return day;
  if (window === 'month') return `${day.slice(0, 7)}-01`;
  const at = dayNumber(day);
  // getUTCDay: 0 Sunday … 6 Saturday; ISO: 7 Sunday.
  const isoWeekday = new Date(at).getUTCDay() || 7;
  const back = (isoWeekday - weekStartsOn + 7) % 7;
  return dayName(at - back * DAY_MS);
}

/** The first day of the period after the one starting on `start`. */
export function nextPeriodStart(start: string, window: PeriodWindow): string {
  if (window === 'day') return dayName(dayNumber(start) + DAY_MS);
  if (window === 'week') return dayName(dayNumber(start) + 7 * DAY_MS);
  const [year, month] = start.split('-').map(Number) as [number, number];
  return dayName(Date.UTC(year, month, 1));
}

/** The last day of the period starting on `start`. */
export function periodEnd(start: string, window: PeriodWindow): string {
  return dayName(dayNumber(nextPeriodStart(start, window)) - DAY_MS);
}
