/**
 * Schema migrations of the state store, through node-pg-migrate's programmatic runner
 * (https://salsita.github.io/node-pg-migrate/api). Migration files live in `../migrations/`, the
 * migrations table (`migrations`) sits in the store's own schema. The runner (and the modules it
 * loads) is imported only when a migration is pending: every `sync run` opens the store, and most find
 * it up to date (`isUpToDate`, one query).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** Default schema of the state store. */
export const DEFAULT_SCHEMA = 'sync';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name: lower-case letters, digits and `_`, not starting with a digit, at most 63
 * characters (Postgres' identifier limit), so it needs no quoting anywhere.
 *
 * @throws Error naming the schema and the rule.
 */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid state store schema ${JSON.stringify(schema)}: use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
    );
  }
}

/**
 * The advisory lock key the runner holds while migrating `schema`: one per schema, so two state
 * stores in one database migrate independently and other node-pg-migrate users (whose default lock
 * key is shared) are never blocked or failed by us. A 48-bit FNV-1a hash, a safe JS integer.
 */
export function migrationLockKey(schema: string): number {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`sync-state-store:${schema}`)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return Number(hash & 0xffffffffffffn);
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * True when every migration file has been applied to `schema` and no other migration has: the names
 * in its migrations table equal the files' names (without `.sql`). False when the table is missing.
 *
 * @throws Error from Postgres for anything but a missing schema or table.
 */
export async function isUpToDate(client: Pick<pg.Pool, 'query'>, schema: string): Promise<boolean> {
  assertSchemaName(schema);
  let applied: string[];
  try {
    const { rows } = await client.query<{ name: string }>(`select name from ${schema}.migrations order by name`);
    applied = rows.map((r) => r.name);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01' || (error as { code?: string }).code === '3F000') return false;
    throw error;
  }
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();
  return applied.length === files.length && applied.every((name, i) => name === files[i]);
}

/**
 * Brings the state store schema up to date: creates the schema if missing and applies pending
 * migrations in one transaction. Safe to call from many processes at once: each waits for the
 * schema's advisory lock (`advisoryLockMode: 'wait'`; node-pg-migrate's default would fail instead),
 * then finds nothing left to do.
 *
 * @returns the names of the migrations applied now (empty when already up to date).
 * @throws Error from Postgres or node-pg-migrate when a migration fails; nothing is applied then.
 */
export async function migrate(options: { url: string; schema?: string }): Promise<string[]> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  assertSchemaName(schema);
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    databaseUrl: options.url,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    schema,
    createSchema: true,
    migrationsTable: 'migrations',
    singleTransaction: true,
    checkOrder: true,
    lockValue: migrationLockKey(schema),
    advisoryLockMode: 'wait',
    // Library code: stdout may be carrying protocol messages, so the runner prints nothing.
    logger: silent,
  });
  return applied.map((m) => m.name);
}
