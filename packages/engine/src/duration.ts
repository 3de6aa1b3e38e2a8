/**
 * Durations as people write them on a command line (`90s`, `2m`, `500ms`, `1h`, or a bare number of
 * seconds) and as the engine writes them in messages.
 */

const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses `text` into milliseconds: a non-negative number followed by `ms`, `s`, `m` or `h` (no unit:
 * seconds). `0` means "no limit" to the options that take a duration.
 *
 * @throws Error "'<text>' is not a duration (say 30s, 10m, 1h or 500ms)".
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) throw new Error(`'${text}' is not a duration (say 30s, 10m, 1h or 500ms)`);
  return Math.round(Number(match[1]) * UNITS_MS[(match[2] ?? 's').toLowerCase()]!);
}

/** `250ms`, `45s`, `10m`, `2h`, `1m 30s`: the largest units that say `ms` exactly (to the second above 1 s). */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const s = Math.round(ms / 1_000);
  const parts: string[] = [];
  const h = Math.floor(s / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s % 60 || parts.length === 0) parts.push(`${s % 60}s`);
  return parts.join(' ');
}
