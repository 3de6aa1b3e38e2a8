/**
 * Gives every test file a real Postgres: the one at `DATABASE_URL` when set (CI starts a throwaway
 * cluster), else an embedded one started here for the length of the test run. Tests read the URL with
 * `inject('databaseUrl')`. An unreachable `DATABASE_URL` fails the whole run at once, loudly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '@sync/engine/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.DATABASE_URL;
  let teardown = async () => {};
  if (!url) {
    const home = await mkdtemp(join(tmpdir(), 'sync-test-pg-'));
    const db = await startEmbeddedPostgres(home);
    url = db.url;
    teardown = async () => {
      await db.stop();
      await rm(home, { recursive: true, force: true });
    };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`tests need Postgres, and ${redact(url)} did not answer: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  project.provide('databaseUrl', url);
  return teardown;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
