/**
 * What `sync run` does once its flags are parsed: opens the database and the state store, runs the
 * sync through the engine with plain or live progress and logs, and prints the summary. Imported by
 * commands/run.ts only when a run starts, so that `sync --help` loads none of it.
 */
import type { ParsedArgs } from 'citty';
import { errorMessage, maskUrlPasswords, parseDuration, resolveConnector, runSync, type RunTimeouts } from '@sync/engine';
import type { StateStore } from '@sync/state-postgres';
import { builtinConnectors, defaultConfig } from '../builtins.ts';
import { readConfigInput } from '../config-input.ts';
import { openDatabase, openStore } from '../database.ts';
import { LOG_FORMATS, LOG_LEVELS, RunLog, type LogFormat, type LogLevel } from '../logs/run-log.ts';
import type { InkProgress } from '../progress/ink-progress.ts';
import { passEnvNames } from '../pass-env.ts';
import { summary } from '../render-plain.ts';
import { UserError } from '../user-error.ts';
import type { runArgs } from './run.ts';

/** `update` is in the protocol but no destination of ours supports it. */
const DEST_MODES = ['append_dedup', 'append', 'overwrite'] as const;

/** Events the ink view shows itself; their log lines would only repeat it. */
export const SHOWN_BY_VIEW = new Set(['run_started', 'stream_status', 'checkpoint', 'estimate']);

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} must be one of ${allowed.join(', ')} (got '${value}')`);
}

/**
 * The ink view needs a terminal to redraw: stderr a TTY, not CI (ink without a TTY prints only its final frame), pretty logs (JSON
 * lines and a redrawn view cannot share stderr), and no `--plain`.
 */
export function wantsInk(plain: boolean, format: LogFormat, env: NodeJS.ProcessEnv): boolean {
  return !plain && format === 'pretty' && process.stderr.isTTY === true && !env.CI;
}

/** The timeout flags and the `RunTimeouts` field each sets. */
const TIMEOUT_FLAGS = { 'command-timeout': 'commandMs', 'source-idle-timeout': 'sourceIdleMs', 'destination-idle-timeout': 'destinationIdleMs' } as const;

/** The timeouts given as flags (`90s`, `10m`, `500ms`; 0 for none), in ms. */
function timeoutFlags(args: Partial<Record<keyof typeof TIMEOUT_FLAGS, string>>): Partial<RunTimeouts> {
  const timeouts: Partial<RunTimeouts> = {};
  for (const [flag, field] of Object.entries(TIMEOUT_FLAGS) as [keyof typeof TIMEOUT_FLAGS, keyof RunTimeouts][]) {
    const value = args[flag];
    if (value === undefined) continue;
    try {
      timeouts[field] = parseDuration(value);
    } catch (error) {
      throw new UserError(`--${flag}: ${errorMessage(error)}`);
    }
  }
  return timeouts;
}

/** `stripe` + `postgres` → `stripe-postgres`; a command line becomes a slug. */
function defaultPipelineId(source: string, destination: string): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug(source)}-${slug(destination)}`;
}

/** The flags of `sync run`, as citty parses them (commands/run.ts), for a local run: with a source and a destination. */
export type RunFlags = ParsedArgs<typeof runArgs> & { source: string; dest: string };

/**
 * Runs one sync as `sync run` does.
 *
 * @throws UserError for a bad flag, a failed run (its masked error), or an interrupted one.
 */
export async function runAction(args: RunFlags, rawArgs: readonly string[]): Promise<void> {
  const format = oneOf<LogFormat>('--log-format', args['log-format'] ?? process.env.SYNC_LOG_FORMAT ?? 'pretty', LOG_FORMATS);
  const level = oneOf<LogLevel>('--log-level', args['log-level'] ?? process.env.SYNC_LOG_LEVEL ?? 'info', LOG_LEVELS);
  const pipelineId = args.pipeline ?? defaultPipelineId(args.source, args.dest);
  const destinationSyncMode = args['dest-mode'] === undefined ? undefined : oneOf('--dest-mode', args['dest-mode'], DEST_MODES);
  const timeouts = timeoutFlags(args);
  let ink: InkProgress | undefined;
  const log = new RunLog({
    format,
    level,
    pipeline: pipelineId,
    source: args.source,
    destination: args.dest,
    write: (line, record) => {
      if (!ink) process.stderr.write(`${line}\n`);
      else if (!SHOWN_BY_VIEW.has(record.event)) ink.log(line);
    },
  });
  const say = (line: string) => log.message('info', line);
  const database = openDatabase(process.env, say);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  // Connectors run in process groups of their own: the terminal's Ctrl-C (and its SIGHUP when it
  // closes) reaches only the CLI, which stops them through the engine.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  let store: StateStore | undefined;
  try {
    const source = resolveConnector('source', args.source, builtinConnectors);
    const destination = resolveConnector('destination', args.dest, builtinConnectors);
    const context = { env: process.env, databaseUrl: () => database.url() };
    const sourceConfig = await defaultConfig('source', args.source, await readConfigInput('--source-config', args['source-config']), context);
    const destinationConfig = await defaultConfig('destination', args.dest, await readConfigInput('--dest-config', args['dest-config']), context);
    const passEnv = passEnvNames(rawArgs);
    store = await openStore(database, process.env);
    const streams = args.streams?.split(',').map((s) => s.trim()).filter(Boolean);
    if (wantsInk(Boolean(args.plain), format, process.env)) ink = (await import('../progress/ink-progress.ts')).startInkProgress(process.stderr);
    const view = ink;
    const result = await runSync({
      pipelineId,
      source,
      sourceConfig,
      destination,
      destinationConfig,
      store,
      ...(streams && streams.length > 0 ? { streams } : {}),
      fullRefresh: Boolean(args['full-refresh']),
      ...(destinationSyncMode ? { destinationSyncMode } : {}),
      refreshCatalog: Boolean(args['refresh-catalog']),
      passEnv,
      // The engine masks every secret of the run in what it hands back, the state store's password too.
      secrets: [await database.url()],
      onEvent: (event) => {
        log.onEvent(event);
        view?.onEvent(event);
      },
      signal: abort.signal,
      timeouts,
    });
    await ink?.finish(result);
    ink = undefined;
    const failure = result.failure?.message;
    log.logger[failure ? 'error' : 'info'](
      {
        connector: null,
        stream: null,
        event: 'run_finished',
        status: result.status,
        duration_ms: result.durationMs,
        streams: result.streams,
        ...(result.failure ? { error: failure, failure_type: result.failure.failureType, origin: result.failure.origin } : {}),
      },
      `run ${result.runId} ${result.status}`,
    );
    // A run that failed before any stream started has nothing to summarise but its error.
    if (Object.keys(result.streams).length > 0) process.stdout.write(`${summary(result)}\n`);
    if (failure !== undefined) throw new UserError(failure);
  } catch (error) {
    // Interrupted, the run may fail on a database that the same Ctrl-C is shutting down (an embedded
    // server is in the terminal's process group): say what happened, not what it broke.
    if (abort.signal.aborted && !(error instanceof UserError)) {
      throw new UserError(`interrupted: committed checkpoints are kept and the next run resumes from the last one (${maskUrlPasswords(errorMessage(error))})`);
    }
    // Failures of the run come masked from the engine; the CLI's own (a config, the database) hold no
    // connector secret, but may quote a connection string.
    if (error instanceof Error) error.message = maskUrlPasswords(error.message);
    throw error;
  } finally {
    await ink?.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await store?.close();
    await database.close();
  }
}
