/**
 * The database the CLI works against: `DATABASE_URL` when set, else the embedded Postgres under
 * `SYNC_HOME` (default `./.sync`), started on first use and stopped when the command ends. And the key
 * that encrypts the secrets the state store keeps: `SYNC_SECRET_KEY`, else `$SYNC_HOME/secret.key`.
 * The embedded server and the state store are imported when first used, so that `sync --help` and the
 * commands that need no database do not load them.
 */
import { join } from 'node:path';
import type { EmbeddedDatabase } from '@sync/embedded-postgres';
import type { SecretKeySource, StateStore } from '@sync/state-postgres';

export interface Database {
  url(): Promise<string>;
  /** Stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/** `SYNC_HOME`, default `.sync` (relative to the working directory). */
export function syncHome(env: NodeJS.ProcessEnv): string {
  return env.SYNC_HOME || '.sync';
}

/**
 * The state store's secret key: `SYNC_SECRET_KEY` (base64 or hex, 32 bytes; `NEW,OLD` during a
 * rotation) when set, else the key file `$SYNC_HOME/secret.key`, created mode 0600 when a secret is
 * first stored.
 *
 * @throws SecretKeyError when SYNC_SECRET_KEY is set but not a key.
 */
export async function secretKeys(env: NodeJS.ProcessEnv): Promise<SecretKeySource> {
  const { secretKeySource } = await import('@sync/state-postgres');
  return secretKeySource({ value: env.SYNC_SECRET_KEY, file: join(syncHome(env), 'secret.key') });
}

export function openDatabase(env: NodeJS.ProcessEnv, say: (line: string) => void): Database {
  let embedded: Promise<EmbeddedDatabase> | undefined;
  return {
    async url() {
      if (env.DATABASE_URL) return env.DATABASE_URL;
      embedded ??= (async () => {
        const { startEmbeddedPostgres } = await import('@sync/embedded-postgres');
        const db = await startEmbeddedPostgres(syncHome(env));
        say(`using the embedded Postgres in ${db.dataDir} (set DATABASE_URL to use your own)`);
        return db;
      })();
      return (await embedded).url;
    },
    async close() {
      if (embedded) await (await embedded).stop();
    },
  };
}

/**
 * Opens the state store of `database` with the secret key of `env`. `maxConnections` (default the
 * store's 4): a process running N runs at once needs N more, since each run holds one for its
 * pipeline lock.
 */
export async function openStore(database: Database, env: NodeJS.ProcessEnv, maxConnections?: number): Promise<StateStore> {
  const { StateStore } = await import('@sync/state-postgres');
  return StateStore.open({ url: await database.url(), secretKeys: await secretKeys(env), ...(maxConnections ? { maxConnections } : {}) });
}

/**
 * Runs `fn` with the state store of the CLI's database (DATABASE_URL or the embedded one), then closes
 * both. For commands that only read or change the store: `sync state …`, `sync runs …`, `sync secrets …`.
 */
export async function withStore<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
  const database = openDatabase(process.env, (line) => process.stderr.write(`${line}\n`));
  try {
    const store = await openStore(database, process.env);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.close();
  }
}
