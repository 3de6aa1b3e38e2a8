/**
 * `conformance.json`: what the suite needs to know about one connector, kept in a small file next to
 * it (format documented in docs/connectors.md, "Testing a connector").
 *
 * ```json
 * {
 *   "kind": "source",
 *   "setup": { "command": "node server.js --port 0", "ready": "listening on (?<url>http://\\S+)" },
 *   "config": { "api_key": "sk_test", "base_url": "{{url}}" },
 *   "badConfig": { "api_key": "wrong", "base_url": "{{url}}" },
 *   "streams": ["customers"],
 *   "futureState": { "customers": { "cursor": 32503680000 } },
 *   "sourceStats": true,
 *   "readBack": "psql \"$DATABASE_URL\" -AtX -c 'select _raw_data from s.t'",
 *   "inputAbort": true,
 *   "teardown": "…",
 *   "timeoutSeconds": 60
 * }
 * ```
 *
 * Strings anywhere in the file may use `{{run_id}}` (a fresh random token per test run),
 * `{{env.NAME}}` (an environment variable) and `{{name}}` for a named group of the setup's `ready`
 * pattern.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ConnectorRole } from '@sync/engine';
import { dirname, join, resolve } from 'node:path';

export interface ConformanceFile {
  /** Path of the file; commands in it run in its directory. */
  path: string;
  kind: ConnectorRole;
  /** A server the connector needs, started before the suite and stopped after. */
  setup?: { command: string; ready: string };
  /** A config with which `check` succeeds and `read`/`write` work. */
  config: Record<string, unknown>;
  /** A config with which `check` must fail cleanly. */
  badConfig: Record<string, unknown>;
  /** Sources: the streams to read (default: every discovered stream). */
  streams?: string[];
  /** Sources: per-stream states far in the future (default: derived from the last states read). */
  futureState?: Record<string, Record<string, unknown>>;
  /**
   * Sources: whether STATEs carry `sourceStats.recordCount` (optional in the Airbyte protocol; the
   * engine counts for itself without it). Default true; false reports that check as not supported.
   */
  sourceStats: boolean;
  /** Destinations: a shell command printing the test stream's rows, one JSON object per line. */
  readBack?: string;
  /**
   * Destinations: whether `write` honours a TRACE ERROR on its stdin (commits nothing after the last
   * acknowledged STATE, exits non-zero). Default true; false reports that check as not supported.
   */
  inputAbort: boolean;
  /** A shell command run at the end, even after failures (drop the test schema…). */
  teardown?: string;
  /** Longest any one connector command may take, in seconds. Default 120. */
  timeoutSeconds: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads and checks a conformance file (placeholders are left in; see `interpolate`).
 *
 * @throws Error naming the file and the field when the file is missing, not JSON or malformed.
 */
export function loadConformanceFile(path: string): ConformanceFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read conformance file ${path}: ${(error as Error).message}`);
  }
  const bad = (field: string, want: string) => new Error(`${path}: "${field}" must be ${want}`);
  if (!isObject(raw)) throw bad('(root)', 'a JSON object');
  if (raw.kind !== 'source' && raw.kind !== 'destination') throw bad('kind', '"source" or "destination"');
  if (!isObject(raw.config)) throw bad('config', 'an object (a config that works)');
  if (!isObject(raw.badConfig)) throw bad('badConfig', 'an object (a config that check must reject)');
  const setup = raw.setup;
  if (setup !== undefined && !(isObject(setup) && typeof setup.command === 'string' && typeof setup.ready === 'string')) {
    throw bad('setup', '{ "command": string, "ready": regular expression }');
  }
  if (raw.streams !== undefined && !(Array.isArray(raw.streams) && raw.streams.every((s) => typeof s === 'string'))) {
    throw bad('streams', 'a list of stream names');
  }
  if (raw.futureState !== undefined && !(isObject(raw.futureState) && Object.values(raw.futureState).every(isObject))) {
    throw bad('futureState', 'an object of stream name → state object');
  }
  for (const field of ['readBack', 'teardown'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') throw bad(field, 'a shell command (string)');
  }
  for (const field of ['inputAbort', 'sourceStats'] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== 'boolean') throw bad(field, 'true or false');
  }
  const timeout = raw.timeoutSeconds ?? 120;
  if (typeof timeout !== 'number' || !(timeout > 0)) throw bad('timeoutSeconds', 'a positive number');
  return {
    path,
    kind: raw.kind,
    ...(setup ? { setup: setup as { command: string; ready: string } } : {}),
    config: raw.config,
    badConfig: raw.badConfig,
    ...(raw.streams ? { streams: raw.streams as string[] } : {}),
    ...(raw.futureState ? { futureState: raw.futureState as Record<string, Record<string, unknown>> } : {}),
    ...(typeof raw.readBack === 'string' ? { readBack: raw.readBack } : {}),
    ...(typeof raw.teardown === 'string' ? { teardown: raw.teardown } : {}),
    sourceStats: raw.sourceStats !== false,
    inputAbort: raw.inputAbort !== false,
    timeoutSeconds: timeout,
  };
}

/**
 * Replaces `{{run_id}}`, `{{env.NAME}}` and `{{name}}` placeholders in every string of `value`.
 *
 * @throws Error naming the placeholder when it has no value.
 */
export function interpolate<T>(value: T, vars: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): T {
  const replace = (text: string): string =>
    text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
      const found = name.startsWith('env.') ? env[name.slice(4)] : vars[name];
      if (found === undefined) {
        throw new Error(
          name.startsWith('env.')
            ? `the conformance file uses {{${name}}} but ${name.slice(4)} is not set in the environment`
            : `the conformance file uses {{${name}}}, which is neither run_id nor a named group of setup.ready`,
        );
      }
      return found;
    });
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return replace(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Finds the conformance file of a connector command: `conformance.json` in the directory of the
 * first argument that names an existing file, or in one of its two parent directories
 * (`packages/source-x/bin/source-x.js` → `packages/source-x/conformance.json`).
 *
 * @returns the path, or undefined when there is none.
 */
export function findConformanceFile(command: readonly string[], cwd: string): string | undefined {
  for (const arg of command) {
    const path = resolve(cwd, arg);
    if (!existsSync(path) || !statSync(path).isFile()) continue;
    let dir = dirname(path);
    for (let up = 0; up < 3; up++) {
      const candidate = join(dir, 'conformance.json');
      if (existsSync(candidate)) return candidate;
      dir = dirname(dir);
    }
  }
  return undefined;
}
