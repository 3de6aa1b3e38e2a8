/**
 * Schema migrations of the state store, through node-pg-migrate's programmatic runner
 * (https://salsita.github.io/node-pg-migrate/api). Migration files live in `../migrations/`, the
 * migrations table (`migrations`) sits in the store's own schema.
 */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

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
