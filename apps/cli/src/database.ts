/**
 * The database the CLI works against: `DATABASE_URL` when set, else the embedded Postgres under
 * `SYNC_HOME` (default `./.sync`), started on first use and stopped when the command ends.
 */
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@sync/engine';
import { StateStore } from '@sync/state-postgres';

export interface Database {
  url(): Promise<string>;
  /** Stops the embedded server if this process started it. */
  close(): Promise<void>;
}

export function openDatabase(env: NodeJS.ProcessEnv, say: (line: string) => void): Database {
  let embedded: Promise<EmbeddedDatabase> | undefined;
  return {
    async url() {
      if (env.DATABASE_URL) return env.DATABASE_URL;
      embedded ??= (async () => {
        const home = env.SYNC_HOME || '.sync';
        const db = await startEmbeddedPostgres(home);
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

/** A connection string with its password masked, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * Runs `fn` with the state store of the CLI's database (DATABASE_URL or the embedded one), then closes
 * both. For commands that only read or reset state: `sync state …`, `sync runs …`.
 */
export async function withStore<T>(fn: (store: StateStore) => Promise<T>): Promise<T> {
  const database = openDatabase(process.env, (line) => process.stderr.write(`${line}\n`));
  try {
    const store = await StateStore.open({ url: await database.url() });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await database.close();
  }
}
