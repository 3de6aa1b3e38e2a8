/**
 * `sync run --source stripe --dest google-sheets` against the Stripe emulator and the fake Sheets
 * API: every object is a row, a second run after updates changes rows in place, a storm of 429s is
 * survived, appends and row deletions that fail after being applied (or before) leave no row
 * doubled, lost or wrongly deleted, and a run killed mid-way resumes and ends exact. The destination runs its real code
 * path: OAuth2 refresh at the fake's token endpoint, then the Sheets API at the fake's root URL.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { startSheetsEmulator, type SheetsEmulator } from '@sync/google-sheets-emulator';
import { runCli, startCli } from './support/cli.ts';
import { freshSchema, query } from './support/database.ts';
import { killConnectorWhen } from './support/processes.ts';
import { startEmulator, stripeEnv } from './support/stripe.ts';

let stripe: StripeEmulator;
let sheets: SheetsEmulator;
const streams = ['customers', 'products', 'prices'];

beforeAll(async () => {
  stripe = await startEmulator({ objects: 1500, seed: 'sheets', counts: { customers: 600, products: 300, prices: 400 } });
  sheets = await startSheetsEmulator({ quotaWindowMs: 1000 });
});
afterAll(async () => {
  await stripe?.close();
  await sheets?.close();
});

function destConfig(spreadsheetId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    spreadsheet_id: spreadsheetId,
    credentials: { auth_type: 'oauth2', client_id: sheets.oauthClient.clientId, client_secret: sheets.oauthClient.clientSecret, refresh_token: sheets.oauthClient.refreshToken },
    api_base_url: sheets.url,
    token_url: sheets.tokenUrl,
    requests_per_minute: 100_000,
    retry_base_ms: 5,
    max_retries: 12,
    batch_size: 200,
    ...extra,
  });
}

function args(pipeline: string, spreadsheetId: string, stripeUrl?: string, ...more: string[]): string[] {
  return ['run', '--source', 'stripe', '--dest', 'google-sheets', '--pipeline', pipeline, '--streams', streams.join(','), '--dest-config', destConfig(spreadsheetId), ...(stripeUrl ? ['--source-config', JSON.stringify({ api_key: 'sk_test_e2e', base_url: stripeUrl })] : []), ...more];
}

/** Rows of a tab as id → row object (header names), checking ids are unique. */
function rowsById(spreadsheetId: string, stream: string): Map<string, Record<string, string>> {
  const [header, ...rows] = sheets.values(spreadsheetId, stream);
  const byId = new Map<string, Record<string, string>>();
  for (const row of rows) {
    const object = Object.fromEntries(header!.map((h, i) => [h, row[i] ?? '']));
    expect(byId.has(object.id!), `duplicate ${object.id}`).toBe(false);
    byId.set(object.id!, object);
  }
  return byId;
}

function expectExact(spreadsheetId: string, emulator: StripeEmulator = stripe): void {
  for (const stream of streams) {
    const rows = rowsById(spreadsheetId, stream);
    const objects = emulator.objects(stream);
    expect(rows.size, stream).toBe(objects.length);
    for (const o of objects) expect(rows.get(String(o.id))?.created, stream).toBe(String(o.created));
  }
}

it('copies every object as a row, through a storm of 429s', async () => {
  const id = sheets.createSpreadsheet('main');
  sheets.resetRequests();
  // A burst of failures in a row, then a quota of 10 requests a second for the whole run.
  sheets.inject({ status: 429, count: 6 });
  sheets.inject({ status: 503, count: 2 });
  sheets.setQuota(10);
  const result = await runCli(args(freshSchema(), id), stripeEnv(stripe)).finally(() => sheets.setQuota(undefined));
  expect(result.exitCode, result.stderr).toBe(0);
  expect(sheets.statusCounts()[429]).toBeGreaterThanOrEqual(10);
  expectExact(id);
  expect(rowsById(id, 'customers').get(String(stripe.objects('customers')[0]!.id))?.email).toBe(String(stripe.objects('customers')[0]!.email));
});

it('a second run after updates changes rows in place', async () => {
  const id = sheets.createSpreadsheet('updates');
  const pipeline = freshSchema();
  expect((await runCli(args(pipeline, id), stripeEnv(stripe))).exitCode).toBe(0);
  const before = sheets.values(id, 'customers');

  // Stripe as seen after customers were edited: the same objects with a new email.
  const proxy = await rewritingProxy(stripe.url, (o) => ({ ...o, email: `updated+${String(o.id)}@example.com` }));
  try {
    const second = await runCli(args(pipeline, id, proxy.url, '--full-refresh'), stripeEnv(stripe));
    expect(second.exitCode, second.stderr).toBe(0);
  } finally {
    await proxy.close();
  }
  const after = sheets.values(id, 'customers');
  expect(after).toHaveLength(before.length);
  after.slice(1).forEach((row, i) => {
    expect(row[0]).toBe(before[i + 1]![0]); // same id on the same row
    expect(row).toContain(`updated+${row[0]}@example.com`);
  });
  expectExact(id);
});

it('appends and row deletions failing after being applied, or before, leave each tab exactly the objects', async () => {
  const faulty = await startEmulator({ objects: 300, seed: 'sheets-faults', counts: { customers: 150, products: 60, prices: 90 } });
  try {
    const id = sheets.createSpreadsheet('faults');
    const pipeline = freshSchema();
    const run = (batchSize: number) =>
      runCli(
        ['run', '--source', 'stripe', '--dest', 'google-sheets', '--pipeline', pipeline, '--streams', streams.join(','),
          // A hung request is given up after 2 s, then read back like any other ambiguous failure.
          '--dest-config', destConfig(id, { batch_size: batchSize, request_timeout_ms: 2_000 })],
        stripeEnv(faulty),
      );
    const append = { pathContains: ':append' };
    const deletion = { bodyContains: 'deleteDimension' };

    // Backfill in batches of 25 rows: a dozen appends, five of which fail.
    sheets.inject({ status: 500, count: 1, applied: true, ...append });
    sheets.inject({ failure: 'drop', count: 1, applied: true, ...append });
    sheets.inject({ status: 503, count: 1, ...append });
    sheets.inject({ failure: 'hang', count: 1, applied: true, ...append });
    sheets.inject({ failure: 'drop', count: 1, ...append });
    const first = await run(25);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(sheets.faultsLeft()).toBe(0);
    expectExact(id, faulty);

    // Changes in Stripe: deletions far apart in the tab, updates, creations.
    const customers = faulty.objects('customers');
    const removed = [customers[3]!, customers[4]!, customers[40]!, customers[120]!].map((c) => String(c.id));
    for (const customer of removed) faulty.remove('customers', customer);
    const product = String(faulty.objects('products')[10]!.id);
    faulty.remove('products', product);
    const changed = String(customers[7]!.id);
    faulty.update('customers', changed, { email: 'changed@example.com' });
    faulty.create('customers', { email: 'new@example.com' });

    // One record per batch, so each deletion is a request of its own and meets its own fault.
    sheets.inject({ status: 500, count: 1, applied: true, ...deletion });
    sheets.inject({ failure: 'drop', count: 1, applied: true, ...deletion });
    sheets.inject({ status: 503, count: 1, ...deletion });
    sheets.inject({ failure: 'hang', count: 1, applied: true, ...deletion });
    sheets.inject({ status: 500, count: 1, applied: true, ...append });
    const second = await run(1);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(sheets.faultsLeft()).toBe(0);
    expectExact(id, faulty);
    const rows = rowsById(id, 'customers');
    for (const customer of removed) expect(rows.has(customer), customer).toBe(false);
    expect(rowsById(id, 'products').has(product)).toBe(false);
    expect(rows.get(changed)?.email).toBe('changed@example.com');
    expect([...rows.values()].filter((r) => r.email === 'new@example.com')).toHaveLength(1);
  } finally {
    await faulty.close();
  }
});

it('resumes after the destination is killed mid-run and ends exact', async () => {
  const id = sheets.createSpreadsheet('resume');
  const pipeline = freshSchema();
  stripe.delay(10);
  const first = startCli(args(pipeline, id), stripeEnv(stripe));
  const crash = killConnectorWhen(first, 'destination-google-sheets', ({ checkpointLines }) => checkpointLines >= 2);
  const crashed = await first;
  stripe.delay(0);
  expect(crash.killed()).toBe(true);
  expect(crashed.exitCode).toBe(1);
  const committed = await query(`select stream from sync.stream_states where pipeline_id = $1`, [pipeline]);
  expect(committed.length).toBeGreaterThanOrEqual(1);

  const second = await runCli(args(pipeline, id), stripeEnv(stripe));
  expect(second.stderr).toMatch(/resum/);
  expect(second.exitCode, second.stderr).toBe(0);
  expectExact(id);
});

/** An HTTP proxy to `target` that passes every listed object through `rewrite`. */
async function rewritingProxy(target: string, rewrite: (o: Record<string, unknown>) => Record<string, unknown>): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        let body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body) as { object?: string; data?: Record<string, unknown>[] };
        if (parsed.object === 'list' && req.url?.startsWith('/v1/customers')) body = JSON.stringify({ ...parsed, data: parsed.data!.map(rewrite) });
        const headers = { ...answer.headers };
        delete headers['content-length'];
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

it('creates the spreadsheet from a title once, and the engine keeps its id for the next runs', async () => {
  const pipeline = freshSchema();
  const config = JSON.parse(destConfig('unused')) as Record<string, unknown>;
  delete config.spreadsheet_id;
  const byTitle = JSON.stringify({ ...config, spreadsheet_title: 'Stripe, synced' });
  const run = () =>
    runCli(['run', '--source', 'stripe', '--dest', 'google-sheets', '--pipeline', pipeline, '--streams', 'products', '--dest-config', byTitle], stripeEnv(stripe));
  const creates = () => sheets.requests.filter((r) => r.method === 'POST' && r.path === '/v4/spreadsheets').length;

  sheets.resetRequests();
  const existing = new Set(sheets.spreadsheetIds());
  const first = await run();
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.stderr).toMatch(/destination-google-sheets changed its config \(spreadsheet_id\); saved for the next runs/);
  expect(creates()).toBe(1);
  // The saved change is stored sealed (it may hold secrets): the new spreadsheet is the one the emulator gained.
  const saved = await query(`select 1 from sync.connector_config_updates where pipeline_id = $1 and role = 'destination'`, [pipeline]);
  expect(saved).toHaveLength(1);
  const [id] = sheets.spreadsheetIds().filter((s) => !existing.has(s));
  expect(id).toBeDefined();
  expect(rowsById(id!, 'products').size).toBe(stripe.objects('products').length);

  const second = await run();
  expect(second.exitCode, second.stderr).toBe(0);
  expect(second.stderr).toMatch(/destination-google-sheets: using config saved by an earlier run \(spreadsheet_id\)/);
  expect(creates()).toBe(1);
  expect(rowsById(id!, 'products').size).toBe(stripe.objects('products').length);
});
