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
