/**
 * A throwaway Postgres cluster a test file may restart (the fault matrix's database faults), and SQL
 * against any URL, one connection per call.
 */
import { execa } from 'execa';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { repoRoot } from './cli.ts';

/** SQL against `url`, one connection per call. */
export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** A throwaway Postgres cluster of a test file's own (scripts/start-postgres.sh), which it may restart. */
export interface TestCluster {
  url: string;
  /** `pg_ctl restart -m fast -w`: every session is terminated; resolves once the server accepts connections again. */
  restart(): Promise<void>;
  /** Stops the cluster and removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster on `port` (one of 55510–55519 for the fault matrix), after stopping what a killed
 * earlier run may have left on it.
 * @throws when the cluster cannot start (no PostgreSQL server installed, port taken).
 */
export async function startCluster(port: number): Promise<TestCluster> {
  const script = (name: string) => join(repoRoot, 'scripts', name);
  await execa('bash', [script('stop-postgres.sh'), String(port)]);
  const { stdout } = await execa('bash', [script('start-postgres.sh'), String(port)]);
  const dir = readFileSync(`/tmp/sync-pg-${port}.dir`, 'utf8').trim();
  const bin = readdirSync('/usr/lib/postgresql')
    .map((version) => join('/usr/lib/postgresql', version, 'bin'))
    .filter((path) => existsSync(join(path, 'pg_ctl')))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1)!;
  return {
    url: stdout.trim(),
    // `-l`: the server's output goes to its log file, not to a pipe that would outlive pg_ctl.
    restart: async () => void (await execa('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-l', join(dir, 'log'), 'restart', '-m', 'fast', '-w'])),
    stop: async () => void (await execa('bash', [script('stop-postgres.sh'), String(port)])),
  };
}

