/**
 * The embedded default: with no DATABASE_URL, the README demo syncs the emulator into an embedded
 * Postgres under SYNC_HOME, and every seeded object is there afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { execa } from 'execa';
import pg from 'pg';
import { startEmbeddedPostgres } from '@sync/embedded-postgres';
import { startStripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';

const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

it('the README demo fills the embedded Postgres with every seeded object', async () => {
  const home = await mkdtemp(join(tmpdir(), 'sync-home-'));
  homes.push(home);
  const env = cliEnv({ SYNC_HOME: home });
  const demo = await execa(process.execPath, [join(repoRoot, 'scripts/demo.ts'), '--objects', '2000', '--seed', '5'], {
    cwd: repoRoot,
    env,
    extendEnv: false,
    reject: false,
  });
  expect(demo.stderr).toMatch(/using the embedded Postgres in .*postgres \(set DATABASE_URL/);
  expect(demo.exitCode).toBe(0);

  // Same seed, same data: compare what the demo stored with what the emulator serves.
  const reference = await startStripeEmulator({ objects: 2000, seed: '5' });
  const db = await startEmbeddedPostgres(home);
  const client = new pg.Client({ connectionString: db.url });
  try {
    await client.connect();
    expect(reference.resources.length).toBeGreaterThanOrEqual(5);
    for (const resource of reference.resources) {
      const rows = (await client.query(`select _raw_data as raw from stripe."${resource}" order by id`)).rows.map((r) => r.raw);
      const served = [...reference.objects(resource)].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1));
      expect(rows, resource).toEqual(served);
    }
  } finally {
    await client.end();
    await db.stop();
    await reference.close();
  }
});

it('sync db query reads the embedded database without DATABASE_URL', async () => {
  const home = await mkdtemp(join(tmpdir(), 'sync-home-'));
  homes.push(home);
  const result = await runCli(['db', 'query', 'select 6 * 7 as answer'], cliEnv({ SYNC_HOME: home }));
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toMatch(/answer\s*\n-+\s*\n42\s*\n\(1 row\)/);
});
