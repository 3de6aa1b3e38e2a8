/**
 * The database a benchmark writes to: `DATABASE_URL` when set, else an embedded PostgreSQL in a temp
 * dir, stopped and removed by `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@sync/embedded-postgres';

export async function benchDatabase(): Promise<{ url: string; embedded: boolean; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: false, close: async () => {} };
  const home = await mkdtemp(join(tmpdir(), 'sync-bench-'));
  const db = await startEmbeddedPostgres(home);
  return {
    url: db.url,
    embedded: true,
    async close() {
      await db.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * `DATABASE_URL`, for a benchmark that needs a PostgreSQL of its own choosing; without it, says so on
 * stderr and exits 2.
 * @param bench the benchmark's name, for the message; `more` is added to it.
 */
export function requiredDatabaseUrl(bench: string, more = ''): string {
  const url = process.env.DATABASE_URL ?? '';
  if (url) return url;
  console.error(`${bench} needs a PostgreSQL: set DATABASE_URL (e.g. scripts/start-postgres.sh 55443 prints one)${more}`);
  process.exit(2);
}
