/**
 * Webhooks as a read input: Stripe webhook deliveries (NDJSON on stdin, signed with the endpoint's
 * secret) become records that a destination writes; a forged delivery yields a TRACE ERROR and no
 * record (after the STATEs: the destination commits the valid deliveries, then fails on it); a
 * `*.deleted` delivery flags the row deleted, or removes it with `hard_delete`.
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
import { API_KEY, deletedFlags, startEmulator } from './support/stripe.ts';

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

/** Events of the emulator, newest first, as Stripe would have POSTed them to the endpoint. */
async function latestEvents(limit: number): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${emulator.url}/v1/events?limit=${limit}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return ((await response.json()) as { data: Array<Record<string, unknown>> }).data;
}

/** Signed NDJSON deliveries of `events`, in order. */
function deliveriesOf(events: ReadonlyArray<Record<string, unknown>>): string[] {
  const now = Math.floor(Date.now() / 1000);
  return events.map((event) => {
    const payload = JSON.stringify(event);
    return JSON.stringify({ payload, signature: signPayload(payload, SECRET, now) });
  });
}

/** `source stripe read --webhooks -` with `deliveries` on stdin, then `dest postgres write` of its output into `schema`. */
async function readThenWrite(schema: string, deliveries: readonly string[], destConfig: Record<string, unknown> = {}) {
  const catalog = configureCatalog(stripeCatalog(), { streams: ['customers', 'invoices'] });
  await writeFile(join(dir, 's.json'), JSON.stringify({ api_key: API_KEY, base_url: emulator.url, webhook_secret: SECRET }));
  await writeFile(join(dir, 'd.json'), JSON.stringify({ url: databaseUrl(), schema, ...destConfig }));
  await writeFile(join(dir, 'c.json'), JSON.stringify(catalog));
  const env = cliEnv({});
  const read = await execa(process.execPath, [syncBin, 'source', 'stripe', 'read', '--config', 's.json', '--catalog', 'c.json', '--webhooks', '-'], {
    cwd: dir, env, extendEnv: false, reject: false, input: `${deliveries.join('\n')}\n`,
  });
  await writeFile(join(dir, 'out.ndjson'), String(read.stdout));
  const write = await execa('bash', ['-c', `"${process.execPath}" "${syncBin}" dest postgres write --config d.json --catalog c.json < out.ndjson`], { cwd: dir, env, extendEnv: false, reject: false });
  const messages = String(read.stdout).trim().split('\n').map((l) => JSON.parse(l) as AirbyteMessage);
  return { read, write, messages };
}

it('writes the objects of signed deliveries and refuses a forged one', async () => {
  const schema = freshSchema('sw');
  const customer = emulator.create('customers', { email: 'hook@example.com' });
  emulator.update('customers', customer.id as string, { email: 'hook2@example.com' });
  const invoice = emulator.objects('invoices')[0]!;
  emulator.remove('invoices', invoice.id as string);
  const events = (await latestEvents(3)).reverse();
  const deliveries = deliveriesOf(events);
  const now = Math.floor(Date.now() / 1000);
  const forgedPayload = JSON.stringify({ ...events[0], id: 'evt_forged', data: { object: { ...(events[0]!.data as { object: object }).object, email: 'attacker@example.com' } } });
  deliveries.splice(1, 0, JSON.stringify({ payload: forgedPayload, signature: signPayload(forgedPayload, 'whsec_guess', now) }));

  const { read, write, messages } = await readThenWrite(schema, deliveries);
  expect(read.exitCode).toBe(0);
  const errors = messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ trace: { error: { failure_type: 'config_error', message: expect.stringMatching(/^webhook line 2: signature refused/) } } });
  expect(messages.indexOf(errors[0]!)).toBe(messages.length - 1);
  const records = messages.flatMap((m) => (m.type === 'RECORD' ? [m.record.data] : []));
  expect(records.map((r) => r.email ?? r.id)).toEqual(['hook@example.com', 'hook2@example.com', invoice.id]);
  expect(await readFile(join(dir, 'out.ndjson'), 'utf8')).toContain('"_deleted":true');

  // The destination commits everything before the last STATE, then fails on the upstream's error.
  expect(write.exitCode).toBe(1);
  expect(String(write.stdout) + String(write.stderr)).toMatch(/input aborted: the source failed: webhook line 2: signature refused/);
  const rows = new Map((await tableRows(schema, 'customers')).map((r) => [r.id, r.raw]));
  expect(rows.get(customer.id as string)).toMatchObject({ email: 'hook2@example.com' });
  expect([...rows.values()].some((r) => r.email === 'attacker@example.com')).toBe(false);
  // The deleted invoice: a row flagged in the `_deleted` column (soft delete, the default).
  expect((await tableRows(schema, 'invoices')).map((r) => r.id)).toEqual([invoice.id]);
  expect(await deletedFlags(schema, 'invoices', [invoice.id as string])).toEqual({ [invoice.id as string]: true });
  expect(repoRoot).toBeTruthy();
});

it('removes the row of a deleted object with hard_delete, and flags it without', async () => {
  const invoice = emulator.objects('invoices')[1]!;
  emulator.update('invoices', invoice.id as string, { description: 'Updated by a webhook' });
  const [updated] = await latestEvents(1);
  emulator.remove('invoices', invoice.id as string);
  const [deleted] = await latestEvents(1);
  expect([updated!.type, deleted!.type]).toEqual(['invoice.updated', 'invoice.deleted']);

  for (const [schema, destConfig, afterDelete] of [[freshSchema('wh'), { hard_delete: true }, {}], [freshSchema('ws'), {}, { [invoice.id as string]: true }]] as const) {
    const first = await readThenWrite(schema, deliveriesOf([updated!]), destConfig);
    expect([first.read.exitCode, first.write.exitCode]).toEqual([0, 0]);
    expect((await tableRows(schema, 'invoices')).map((r) => r.raw)).toEqual([expect.objectContaining({ id: invoice.id, description: 'Updated by a webhook' })]);
    expect(await deletedFlags(schema, 'invoices', [invoice.id as string])).toEqual({ [invoice.id as string]: false });

    const second = await readThenWrite(schema, deliveriesOf([deleted!]), destConfig);
    expect([second.read.exitCode, second.write.exitCode]).toEqual([0, 0]);
    expect(await deletedFlags(schema, 'invoices', [invoice.id as string]), JSON.stringify(destConfig)).toEqual(afterDelete);
  }
});
