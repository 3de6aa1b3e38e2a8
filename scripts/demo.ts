/**
 * The README demo: a local Stripe emulator with 10,000 objects, synced by `sync run --source stripe
 * --dest postgres` into the embedded Postgres (or DATABASE_URL, when set), then a look at the tables.
 *
 *   pnpm demo [--objects N] [--seed S]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { execa } from 'execa';
import { startStripeEmulator } from '@sync/stripe-emulator';

const { values } = parseArgs({
  options: { objects: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } },
});
const sync = join(import.meta.dirname, '..', 'apps/cli/bin/sync.js');
const apiKey = 'sk_test_emulator';

const emulator = await startStripeEmulator({ objects: Number(values.objects), seed: values.seed, apiKey });
const sizes = emulator.resources.map((r) => [r, emulator.objects(r).length] as const).sort((a, b) => b[1] - a[1]);
const total = sizes.reduce((n, [, count]) => n + count, 0);
const largest = sizes.slice(0, 6).map(([r, count]) => `${r} ${count}`).join(', ');
console.log(`Stripe emulator on ${emulator.url}: ${total} objects over ${sizes.length} resources (${largest}, …)\n`);
console.log('$ sync run --source stripe --dest postgres');
try {
  const env = { ...process.env, STRIPE_API_KEY: apiKey, STRIPE_BASE_URL: emulator.url };
  const run = await execa(process.execPath, [sync, 'run', '--source', 'stripe', '--dest', 'postgres'], {
    env,
    stdio: 'inherit',
    reject: false,
  });
  if (run.exitCode !== 0) process.exit(run.exitCode ?? 1);
  const sql =
    "select table_name as stream, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from stripe.%I', table_name), false, true, '')))[1]::text::int as rows " +
    "from information_schema.tables where table_schema = 'stripe' and table_name not like '\\_%' order by table_name";
  console.log(`\n$ sync db query "<rows per table in schema stripe>"`);
  await execa(process.execPath, [sync, 'db', 'query', sql], { env, stdio: 'inherit' });
  console.log(
    [
      '',
      'Look at the data yourself:',
      `  pnpm sync db query "select id, _raw_data->>'email' as email, _synced_at from stripe.customers limit 5"`,
      '  pnpm sync state show --pipeline stripe-postgres',
      'Run the demo again: the second run resumes from the saved state and reads only what is new.',
    ].join('\n'),
  );
} finally {
  await emulator.close();
}
