import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '@sync/stripe-emulator';
import { cliEnv } from './cli.ts';
import { databaseUrl, query } from './database.ts';

export const API_KEY = 'sk_test_e2e';

export function startEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  return startStripeEmulator({ apiKey: API_KEY, ...options });
}

/** Env for `sync run --source stripe --dest postgres` against an emulator and the test database. */
export function stripeEnv(emulator: StripeEmulator, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cliEnv({ DATABASE_URL: databaseUrl(), STRIPE_API_KEY: API_KEY, STRIPE_BASE_URL: emulator.url, ...extra });
}

/** `run` arguments that keep a test's tables and state apart from every other test's. */
export function runArgs(schema: string, ...more: string[]): string[] {
  return runArgsWithDest(schema, {}, ...more);
}

/** `runArgs` with more destination config (such as `{ hard_delete: true }`). */
export function runArgsWithDest(schema: string, destConfig: Record<string, unknown>, ...more: string[]): string[] {
  return ['run', '--source', 'stripe', '--dest', 'postgres', '--pipeline', schema, '--dest-config', JSON.stringify({ schema, ...destConfig }), ...more];
}

/** The `_deleted` column of each row of `schema.table` whose id is in `ids` (absent ids: no row). */
export async function deletedFlags(schema: string, table: string, ids: readonly string[]): Promise<Record<string, boolean>> {
  const rows = await query<{ id: string; deleted: boolean }>(`select id, _deleted as deleted from "${schema}"."${table}" where id = any($1)`, [ids]);
  return Object.fromEntries(rows.map((r) => [r.id, r.deleted]));
}

/** The emulator's objects of `resource` as `{ id, raw }`, ordered by id like `tableRows`. */
export function servedRows(emulator: StripeEmulator, resource: string): { id: string; raw: Record<string, unknown> }[] {
  return emulator
    .objects(resource)
    .map((o) => ({ id: String(o.id), raw: o as Record<string, unknown> }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
