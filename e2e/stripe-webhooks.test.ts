/**
 * Webhooks as a read input: Stripe webhook deliveries (NDJSON on stdin, signed with the endpoint's
 * secret) become records that a destination writes; a forged delivery yields a TRACE ERROR and no
 * record.
 *
 *   sync source stripe read --config s.json --catalog c.json --webhooks - < deliveries.ndjson > out.ndjson
 *   sync dest postgres write --config d.json --catalog c.json < out.ndjson
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { configureCatalog, type AirbyteMessage } from '@sync/protocol';
import { signPayload, stripeCatalog } from '@sync/source-stripe';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, syncBin } from './support/cli.ts';
import { databaseUrl, freshSchema, tableRows } from './support/database.ts';
import { API_KEY, startEmulator } from './support/stripe.ts';

const SECRET = 'whsec_e2e_endpoint_secret';
let emulator: StripeEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ objects: 500, seed: 'stripe-webhooks' });
  dir = await mkdtemp(join(tmpdir(), 'sync-webhooks-'));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

it('writes the objects of signed deliveries and refuses a forged one', async () => {
  const schema = freshSchema('sw');
  const customer = emulator.create('customers', { email: 'hook@example.com' });
  emulator.update('customers', customer.id as string, { email: 'hook2@example.com' });
  const invoice = emulator.objects('invoices')[0]!;
  emulator.remove('invoices', invoice.id as string);
  // What Stripe would have POSTed to the endpoint: each event's JSON, signed.
  const response = await fetch(`${emulator.url}/v1/events?limit=3`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const events = ((await response.json()) as { data: Array<Record<string, unknown>> }).data.reverse();
  const now = Math.floor(Date.now() / 1000);
  const deliveries = events.map((event) => {
    const payload = JSON.stringify(event);
    return JSON.stringify({ payload, signature: signPayload(payload, SECRET, now) });
  });
  const forgedPayload = JSON.stringify({ ...events[0], id: 'evt_forged', data: { object: { ...(events[0]!.data as { object: object }).object, email: 'attacker@example.com' } } });
  deliveries.splice(1, 0, JSON.stringify({ payload: forgedPayload, signature: signPayload(forgedPayload, 'whsec_guess', now) }));

  const catalog = configureCatalog(stripeCatalog(), { streams: ['customers', 'invoices'] });
  await writeFile(join(dir, 's.json'), JSON.stringify({ api_key: API_KEY, base_url: emulator.url, webhook_secret: SECRET }));
  await writeFile(join(dir, 'd.json'), JSON.stringify({ url: databaseUrl(), schema }));
  await writeFile(join(dir, 'c.json'), JSON.stringify(catalog));
  const env = cliEnv({});
  const read = await execa(process.execPath, [syncBin, 'source', 'stripe', 'read', '--config', 's.json', '--catalog', 'c.json', '--webhooks', '-'], {
    cwd: dir, env, extendEnv: false, reject: false, input: `${deliveries.join('\n')}\n`,
  });
  expect(read.exitCode).toBe(0);
  const messages = String(read.stdout).trim().split('\n').map((l) => JSON.parse(l) as AirbyteMessage);
  const errors = messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/^webhook line 2: signature refused/) } } });
  const records = messages.flatMap((m) => (m.type === 'RECORD' ? [m.record.data] : []));
  expect(records.map((r) => r.email ?? r.id)).toEqual(['hook@example.com', 'hook2@example.com', invoice.id]);

  await writeFile(join(dir, 'out.ndjson'), String(read.stdout));
  const write = await execa('bash', ['-c', `"${process.execPath}" "${syncBin}" dest postgres write --config d.json --catalog c.json < out.ndjson`], { cwd: dir, env, extendEnv: false, reject: false });
  expect(write.exitCode).toBe(0);
  const rows = new Map((await tableRows(schema, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(customer.id as string)).toMatchObject({ email: 'hook2@example.com' });
  expect([...rows.values()].some((r) => r.email === 'attacker@example.com')).toBe(false);
  expect((await tableRows(schema, 'invoices')).map((r) => r.raw)).toEqual([{ ...invoice, _deleted: true }]);
  expect(await readFile(join(dir, 'out.ndjson'), 'utf8')).toContain('"_deleted":true');
  expect(repoRoot).toBeTruthy();
});
