/**
 * The state store's connections: how they are configured (timeouts, TCP keepalive), how it names its
 * database in messages (`host:port/db`, never the password), and how it gets a connection and runs a
 * transaction.
 */
import type pg from 'pg';

/** Default longest a statement of the store may run, in ms (Postgres `statement_timeout`): 60 s. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
/** Default idle time before TCP keepalive probes start on a store connection, in ms: 10 s. */
export const DEFAULT_KEEPALIVE_DELAY_MS = 10_000;
/** Extra time the client waits past `statement_timeout` for the server's answer, in ms. */
const CLIENT_GRACE_MS = 5_000;

/** How long the store waits, in ms; every field optional (defaults above and in `poolConfig`). */
export interface ConnectionTimeouts {
  /** How long to wait for a connection; default 10 000. */
  connectTimeoutMs?: number;
  /** Longest a statement may run; default `DEFAULT_STATEMENT_TIMEOUT_MS`. */
  statementTimeoutMs?: number;
  /** Idle time before TCP keepalive probes start; default `DEFAULT_KEEPALIVE_DELAY_MS`. */
  keepAliveDelayMs?: number;
}

/**
 * The pg pool config of the store. No wait is unbounded: a statement is cancelled by the server after
 * `statementTimeoutMs` (Postgres `statement_timeout`), and the client gives up `CLIENT_GRACE_MS`
 * later when the server never answers (a network that dropped without a reset: `query_timeout`).
 * TCP keepalive makes the kernel notice a dead peer on an idle connection, such as the one holding a
 * run's pipeline lock. A transaction left open by a process that stopped mid-way is ended by the
 * server after the same time (`idle_in_transaction_session_timeout`), releasing its row locks.
 */
export function poolConfig(url: string, maxConnections: number, timeouts: ConnectionTimeouts = {}): pg.PoolConfig {
  const statementTimeoutMs = timeouts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: timeouts.connectTimeoutMs ?? 10_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_GRACE_MS,
    idle_in_transaction_session_timeout: statementTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs ?? DEFAULT_KEEPALIVE_DELAY_MS,
  };
}

/**
 * `host:port/db` of a Postgres connection string, for error messages. A socket directory given as
 * `?host=/path` is shown as the host. Never contains the user or password.
 */
export function describeDatabase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an unparseable database URL';
  }
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const port = parsed.port || '5432';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || parsed.username || 'postgres';
  return `${host}:${port}/${database}`;
}

/** `text` with the password of `url` (as written in the URL, and decoded) replaced by `***`. */
export function withoutPassword(text: string, url: string): string {
  let raw = '';
  try {
    raw = new URL(url).password;
  } catch {
    return text;
  }
  let result = text;
  for (const secret of new Set([raw, safeDecode(raw)])) {
    if (secret.length > 0) result = result.split(secret).join('***');
  }
  return result;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The error `StateStore.open` throws when Postgres does not answer:
 * "cannot connect to the state store at host:port/db: <reason>".
 */
export function connectError(url: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
  return new Error(
    `cannot connect to the state store at ${describeDatabase(url)}: ${withoutPassword(reason, url)}` +
      ' (is Postgres running, and is DATABASE_URL right?)',
    { cause },
  );
}

/** Connections of the store that have `ignoreErrorEvent` as an 'error' listener. */
const watched = new WeakSet<pg.PoolClient>();

/**
 * The pool listens for errors only on its idle connections. A connection checked out and dropped by
 * the server between two queries (a restart, `pg_terminate_backend`) emits 'error' with no listener,
 * and an unhandled 'error' event kills the process. Ignoring the event is safe: the next query on that
 * connection fails, and its caller reports it.
 */
function ignoreErrorEvent(): void {}

/**
 * A connection from `pool`. It never crashes the process when the server drops it while checked out;
 * the next query fails instead.
 * @throws Error "state store at host:port/db: cannot get a connection: …" (`where` names the database).
 */
export async function connectFrom(pool: pg.Pool, where: string): Promise<pg.PoolClient> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new Error(`state store at ${where}: cannot get a connection: ${(error as Error).message}`, { cause: error });
  }
  if (!watched.has(client)) {
    client.on('error', ignoreErrorEvent);
    watched.add(client);
  }
  return client;
}

/**
 * Runs `work` in a transaction on a connection of its own: committed when it resolves, rolled back
 * when it throws (the error is rethrown).
 */
export async function inTransaction(pool: pg.Pool, where: string, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await connectFrom(pool, where);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
    client.release(broken);
  }
}
