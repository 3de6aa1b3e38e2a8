/**
 * What `sync serve` and `sync worker` share once their flags are parsed: the log, the database and
 * state store, the runtime options (connectors, secrets to mask, the retry delay), and running until
 * SIGINT or SIGTERM.
 */
import type { ConnectorRole } from '@sync/engine';
import type { StateStore } from '@sync/state-postgres';
import type { RuntimeOptions } from '@sync/server';
import { builtinConnectors } from '../builtins.ts';
import { openDatabase, openStore } from '../database.ts';
import { UserError } from '../user-error.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** The flags both commands take. */
export const serviceArgs = {
  'stripe-rate-limit': {
    type: 'string',
    description: 'Requests per second per Stripe account, shared by every run of every `sync serve`/`sync worker` on this database (SYNC_STRIPE_RATE_LIMIT; default Stripe\'s: 25 test, 100 live)',
  },
  'retry-delay': { type: 'string', description: 'Wait before retrying a run that failed with a transient or system error (doubles per attempt, at most 15m)', default: '30s' },
  'log-format': { type: 'string', description: 'pretty (default) or json (SYNC_LOG_FORMAT)' },
  'log-level': { type: 'string', description: 'debug, info (default), warn or error (SYNC_LOG_LEVEL)' },
} as const;

/** A whole number flag within bounds. @throws UserError */
export function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number from ${min} to ${max} (got '${value}')`);
  return n;
}

/** One line per message on stderr: `<prefix>: …`, or JSON lines. @throws UserError for a bad flag */
export function serviceLog(prefix: string, args: { 'log-format'?: string | undefined; 'log-level'?: string | undefined }): RuntimeOptions['log'] {
  const format = args['log-format'] ?? process.env.SYNC_LOG_FORMAT ?? 'pretty';
  if (format !== 'pretty' && format !== 'json') throw new UserError(`--log-format must be pretty or json (got '${format}')`);
  const levelName = args['log-level'] ?? process.env.SYNC_LOG_LEVEL ?? 'info';
  if (!(LEVELS as readonly string[]).includes(levelName)) throw new UserError(`--log-level must be one of ${LEVELS.join(', ')} (got '${levelName}')`);
  const minimum = LEVELS.indexOf(levelName as Level);
  return (level, message, fields = {}) => {
    if (LEVELS.indexOf(level) < minimum) return;
    process.stderr.write(format === 'json' ? `${JSON.stringify({ level, time: Date.now(), msg: message, ...fields })}\n` : `${prefix}: ${level === 'info' ? '' : `${level}: `}${message}\n`);
  };
}

/**
 * Opens the database and the store, runs `body` with the runtime options, and closes both after.
 * @throws UserError for a bad --retry-delay; Error from the database.
 */
export async function withService(
  args: { 'retry-delay': string; 'stripe-rate-limit'?: string | undefined },
  /** Runs this process executes at once (each holds a store connection for its pipeline lock). */
  concurrency: number,
  log: RuntimeOptions['log'],
  body: (options: Omit<RuntimeOptions, 'log'> & { log: RuntimeOptions['log'] }, store: StateStore) => Promise<void>,
): Promise<void> {
  const { parseDuration } = await import('@sync/engine');
  let retryBaseMs: number;
  try {
    retryBaseMs = parseDuration(args['retry-delay']);
  } catch (error) {
    throw new UserError(`--retry-delay: ${(error as Error).message}`);
  }
  const rateText = args['stripe-rate-limit'] ?? process.env.SYNC_STRIPE_RATE_LIMIT;
  const stripeRateLimit = rateText === undefined || rateText === '' ? undefined : Number(rateText);
  if (stripeRateLimit !== undefined && !(stripeRateLimit > 0 && Number.isFinite(stripeRateLimit))) {
    throw new UserError(`--stripe-rate-limit must be a positive number of requests per second (got '${rateText}')`);
  }
  const database = openDatabase(process.env, (line) => log('info', line));
  let store: StateStore | undefined;
  try {
    const databaseUrl = await database.url();
    // Each run holds a connection for its pipeline lock; the API, the feed and the jobs need the rest.
    store = await openStore(database, process.env, concurrency + 4);
    // The Postgres destination writes into the server's own database unless its config names another.
    const runConfig = async (role: ConnectorRole, name: string, config: Record<string, unknown>) =>
      role === 'destination' && name === 'postgres' && config.url === undefined ? { ...config, url: databaseUrl } : config;
    await body(
      { store, databaseUrl, directory: { builtins: builtinConnectors, runConfig }, secrets: [databaseUrl], retryBaseMs, ...(stripeRateLimit ? { stripeRateLimit } : {}), log },
      store,
    );
  } finally {
    await store?.close();
    await database.close();
  }
}

/** What stops a service: a signal (its name), or its workers stopping by themselves (`fatal`). */
export interface Stop {
  /** Resolves with the signal's name, or `fatal` after `fatal(error)`. */
  stopped: Promise<string>;
  /** For `RuntimeOptions.onFatal`. */
  fatal: (error: Error) => void;
  /** The error given to `fatal`, if any. */
  error(): Error | undefined;
}

/** Waits for the first SIGINT or SIGTERM, or a fatal error of the workers. */
export function untilStopped(): Stop {
  let failure: Error | undefined;
  let resolveFatal = (_: string) => {};
  const stopped = new Promise<string>((resolve) => {
    resolveFatal = resolve;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  return {
    stopped,
    fatal: (error) => {
      failure ??= error;
      resolveFatal('fatal');
    },
    error: () => failure,
  };
}

/**
 * Throws, once the service has closed, when its workers stopped by themselves: the process exits 1
 * so that a supervisor starts it again.
 * @throws UserError naming the cause.
 */
export function failIfFatal(stop: Stop): void {
  const error = stop.error();
  if (error) throw new UserError(`the job queue's workers stopped (${error.message}); exiting so that a supervisor restarts this process; its runs are taken over by any worker`);
}
