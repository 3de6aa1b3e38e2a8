/**
 * The state store's connections: how it names its database in messages (`host:port/db`, never the
 * password), and how it gets a connection and runs a transaction.
 */
import type pg from 'pg';

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

/**
 * A connection from `pool`.
 * @throws Error "state store at host:port/db: cannot get a connection: …" (`where` names the database).
 */
export async function connectFrom(pool: pg.Pool, where: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw new Error(`state store at ${where}: cannot get a connection: ${(error as Error).message}`, { cause: error });
  }
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
