/**
 * The embedded Postgres has a random superuser password, kept in `$SYNC_HOME/postgres.password`
 * (mode 0600): nobody logs in with the old fixed password `postgres`. A cluster an older version
 * initialised with that password keeps working and gets the random one, once.
 */
import { readFile, rm, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

/** The error code of logging in as postgres with `password`, or 'ok'. */
async function login(port: string, password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port: Number(port), user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

it('a new cluster gets a random password in a 0600 file; the old fixed one does not log in; an old cluster is moved to it', async () => {
  const home = await mkdtemp(join(tmpdir(), 'sync-secrets-embedded-'));
  homes.push(home);
  const db = await startEmbeddedPostgres(home);
  const file = join(home, 'postgres.password');
  let port: string;
  try {
    const password = (await readFile(file, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const url = new URL(db.url);
    port = url.port;
    expect(url.password).toBe(password);
    expect(await login(port, password)).toBe('ok');
    expect(await login(port, 'postgres')).toBe('28P01');
    // What an older version left: a cluster whose password is `postgres`, and no password file.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("ALTER ROLE postgres PASSWORD 'postgres'");
    await client.end();
    await rm(file);
  } finally {
    await db.stop();
  }

  const again = await startEmbeddedPostgres(home);
  try {
    const password = (await readFile(file, 'utf8')).trim();
    const url = new URL(again.url);
    expect(url.password).toBe(password);
    expect(await login(url.port, password)).toBe('ok');
    expect(await login(url.port, 'postgres')).toBe('28P01');
    // A second process on the same SYNC_HOME joins the running server with the same password.
    const joined = await startEmbeddedPostgres(home);
    expect(joined.owned).toBe(false);
    expect(joined.url).toBe(again.url);
  } finally {
    await again.stop();
  }
});
