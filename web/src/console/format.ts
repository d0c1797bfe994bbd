import { DEFAULT_TIMEZONE, isTimeZone, localClock } from '@rallyboard/core/protocol';

/** Figures as the console shows them: Chinese grouping and units, nothing longer than it needs. */

const integer = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 });

export const formatCount = (n: number): string => integer.format(n);

/** Votes a second: one decimal below 10, whole numbers above. */
export const formatRate = (n: number): string => (n < 10 ? decimal.format(n) : integer.format(n));

/** A lag or an age: 毫秒 under a second, 秒 under a minute, then 分 and 秒. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} 毫秒`;
  if (ms < 60_000) return `${decimal.format(ms / 1_000)} 秒`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds === 0 ? `${minutes} 分` : `${minutes} 分 ${seconds} 秒`;
}

/** A share as a percentage, one decimal. */
export const formatShare = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${decimal.format((part / whole) * 100)}%`;

/** A time in the campaign's timezone, as hosts read it: `2026-03-01 20:15:07`. */
export function formatTime(iso: string, timeZone = DEFAULT_TIMEZONE): string {
  const c = localClock(new Date(iso), timeZone);
  return `${c.year}-${c.month}-${c.day} ${c.hour}:${c.minute}:${c.second}`;
}

/**
 * The value of a datetime-local input for an instant in a timezone, and back. The input has no
 * timezone; the campaign's schedule has one, so the console reads and writes it in that zone.
 */
export function toLocalInput(iso: string, timeZone: string): string {
  return formatTime(iso, timeZone).replace(' ', 'T').slice(0, 16);
}

/** The instant a datetime-local value names in `timeZone` (ISO, UTC). */
export function fromLocalInput(value: string, timeZone: string): string {
  // Date.parse is lenient (it reads ':00Z' as a date in 2000): only the input's own format passes.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return '';
  // A zone being typed (or mistyped) has no clock to read: the schema then names the field.
  if (!isTimeZone(timeZone)) return '';
  const asUtc = Date.parse(`${value}:00Z`);
  if (Number.isNaN(asUtc)) return '';
  // The zone's offset at that moment: what the zone's clock shows for asUtc, minus asUtc.
  const shown = Date.parse(`${formatTime(new Date(asUtc).toISOString(), timeZone).replace(' ', 'T')}Z`);
  const offset = shown - asUtc;
  return new Date(asUtc - offset).toISOString();
}
