/**
 * How the dashboard writes times, counts, durations and rates: in the browser's language and time
 * zone (Intl; the API's times are ISO 8601 in UTC).
 */

/** Options of the date-time format: the date and the time to the second. */
export const DATE_TIME_OPTIONS: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' };

const dateTime = new Intl.DateTimeFormat(undefined, DATE_TIME_OPTIONS);
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const count = new Intl.NumberFormat();
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** `2026-12-01T18:02:12.004Z` as the user reads it, e.g. `Dec 1, 2026, 7:02:12 PM` in Berlin. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** The time of day only, for events of one run. */
export function formatTimeOfDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOnly.format(date);
}

/** A count with the user's digit grouping: `12,345`. */
export function formatCount(n: number): string {
  return count.format(n);
}

/** Records per second, one decimal at most: `1,234.5/s`. */
export function formatRate(perSecond: number): string {
  return `${rate.format(perSecond)}/s`;
}

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 5 s` or `2 h 3 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** Milliseconds from `from` to `to` (ISO 8601), or undefined when either is missing or invalid. */
export function msBetween(from: string | null | undefined, to: string | null | undefined): number | undefined {
  if (!from || !to) return undefined;
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
