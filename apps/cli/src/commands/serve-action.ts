/**
 * What `sync serve` does once its flags are parsed: opens the database and the state store, loads or
 * makes the API token, starts the server with its workers, and runs until SIGINT or SIGTERM, when it
 * stops the runs it executes (each keeps its committed states) and closes.
 */
import { isIP } from 'node:net';
import type { ParsedArgs } from 'citty';
import type { ConnectorRole } from '@sync/engine';
import { builtinConnectors } from '../builtins.ts';
import { openDatabase, openStore, syncHome } from '../database.ts';
import { UserError } from '../user-error.ts';
import type { serveArgs } from './serve.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number from ${min} to ${max} (got '${value}')`);
  return n;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Runs `sync serve` until a signal. */
export async function serveAction(args: ParsedArgs<typeof serveArgs>): Promise<void> {
  const port = intFlag('port', args.port, 0, 65535);
  const workers = intFlag('workers', args.workers, 0, 64);
  const format = args['log-format'] ?? process.env.SYNC_LOG_FORMAT ?? 'pretty';
  if (format !== 'pretty' && format !== 'json') throw new UserError(`--log-format must be pretty or json (got '${format}')`);
  const levelName = args['log-level'] ?? process.env.SYNC_LOG_LEVEL ?? 'info';
  if (!(LEVELS as readonly string[]).includes(levelName)) throw new UserError(`--log-level must be one of ${LEVELS.join(', ')} (got '${levelName}')`);
  const minimum = LEVELS.indexOf(levelName as Level);
  const log = (level: Level, message: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(level) < minimum) return;
    process.stderr.write(format === 'json' ? `${JSON.stringify({ level, time: Date.now(), msg: message, ...fields })}\n` : `sync serve: ${level === 'info' ? '' : `${level}: `}${message}\n`);
  };
  const { loadApiToken, startServer } = await import('@sync/server');
  const token = await loadApiToken(process.env, syncHome(process.env));
  if (token.origin === 'file' && !isLoopback(args.host)) {
    throw new UserError(
      `--host ${args.host} would expose the API beyond this machine with a token made for local use: set SYNC_API_TOKEN (a long random value, e.g. \`openssl rand -base64 32\`) to listen there`,
    );
  }
  const database = openDatabase(process.env, (line) => log('info', line));
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  let store;
  try {
    const databaseUrl = await database.url();
    store = await openStore(database, process.env);
    const runConfig = async (role: ConnectorRole, name: string, config: Record<string, unknown>) =>
      role === 'destination' && name === 'postgres' && config.url === undefined ? { ...config, url: databaseUrl } : config;
    const server = await startServer({
      store,
      databaseUrl,
      directory: { builtins: builtinConnectors, runConfig },
      host: args.host,
      port,
      workers,
      token: token.token,
      secrets: [databaseUrl],
      log,
    });
    log('info', `listening on ${server.url} (docs: ${server.url}/docs), ${workers === 0 ? 'no workers: runs wait for a `sync serve` with workers' : `${workers} worker${workers === 1 ? '' : 's'}`}`);
    log('info', token.origin === 'env' ? 'clients authenticate with SYNC_API_TOKEN' : `clients authenticate with the token in ${token.path}${token.created ? ' (just made; mode 0600)' : ''}`);
    const signal = await stopped;
    log('info', `${signal}: stopping (running runs keep their committed states)`);
    await server.close();
  } finally {
    await store?.close();
    await database.close();
  }
}
