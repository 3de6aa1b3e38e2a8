/**
 * Piping connectors by hand, as when debugging:
 *   sync source stripe read --config s.json --catalog c.json | sync dest postgres write --config d.json --catalog c.json
 * gives the same tables as `sync run`. A source that fails prints its TRACE ERROR on stdout, which the
 * pipe hands to the destination: nothing after the last STATE lands (input abort).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { configureCatalog, type AirbyteCatalog } from '@sync/protocol';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, runCli, syncBin } from './support/cli.ts';
import { databaseUrl, freshSchema, query, tableRows } from './support/database.ts';
import { API_KEY, servedRows, startEmulator } from './support/stripe.ts';

let emulator: StripeEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ objects: 1500, seed: 'pipe' });
  dir = await mkdtemp(join(tmpdir(), 'sync-pipe-'));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

it('source read | dest write fills the same tables', async () => {
  const schema = freshSchema();
  const env = cliEnv({});
  await writeFile(join(dir, 's.json'), JSON.stringify({ api_key: API_KEY, base_url: emulator.url }));
  await writeFile(join(dir, 'd.json'), JSON.stringify({ url: databaseUrl(), schema }));

  const discovered = await runCli(['source', 'stripe', 'discover', '--config', join(dir, 's.json')], env);
  expect(discovered.exitCode).toBe(0);
  const catalog = (JSON.parse(discovered.stdout.trim().split('\n').at(-1)!) as { catalog: AirbyteCatalog }).catalog;
  await writeFile(join(dir, 'c.json'), JSON.stringify(configureCatalog(catalog, { streams: emulator.resources })));

  const pipeline = `"${process.execPath}" "${syncBin}" source stripe read --config s.json --catalog c.json | "${process.execPath}" "${syncBin}" dest postgres write --config d.json --catalog c.json`;
  const result = await execa('bash', ['-o', 'pipefail', '-c', pipeline], { cwd: dir, env, extendEnv: false, reject: false });
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  const acknowledged = String(result.stdout).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  expect(acknowledged.filter((m) => m.type === 'STATE').length).toBeGreaterThanOrEqual(emulator.resources.length);

  for (const resource of emulator.resources) {
    expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
  }
  expect(repoRoot).toBeTruthy();
});

it("passes a connector's failure through: a malformed line on stdin fails `sync dest postgres write` with exit 1", async () => {
  const schema = freshSchema();
  await writeFile(join(dir, 'd-bad.json'), JSON.stringify({ url: databaseUrl(), schema }));
  await writeFile(join(dir, 'c-bad.json'), JSON.stringify({ streams: [] }));
  const result = await execa(process.execPath, [syncBin, 'dest', 'postgres', 'write', '--config', 'd-bad.json', '--catalog', 'c-bad.json'], {
    cwd: dir,
    env: cliEnv({}),
    extendEnv: false,
    reject: false,
    input: '{"type": "RECORD", oops\n',
  });
  expect(result.exitCode).toBe(1);
  expect(String(result.stderr)).toMatch(/stdin: line 1: not valid JSON/);
});

it('a failing source piped into `sync dest postgres write`: nothing after its last STATE lands, exit 1 with its failure_type', async () => {
  const scriptedSource = join(repoRoot, 'e2e/fixtures/scripted-source.mjs');
  const line = (message: object) => JSON.stringify(message);
  const widget = (id: string) => line({ type: 'RECORD', record: { stream: 'widgets', emitted_at: 1, data: { id, updated: 1 } } });
  const state = (n: number) => line({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n } }, sourceStats: { recordCount: 2 } } });
  const failure = line({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'the widgets API answered 500 five times', failure_type: 'transient_error' } } });
  const catalog = { streams: [{ stream: { name: 'widgets', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'], source_defined_primary_key: [['id']] }, sync_mode: 'full_refresh', destination_sync_mode: 'append' }] };
  await writeFile(join(dir, 'c-widgets.json'), JSON.stringify(catalog));

  const pipe = async (name: string, lines: string[], exitCode: number) => {
    const schema = freshSchema(name);
    await writeFile(join(dir, `s-${name}.json`), JSON.stringify({ streams: ['widgets'], lines, exit_code: exitCode }));
    await writeFile(join(dir, `d-${name}.json`), JSON.stringify({ url: databaseUrl(), schema }));
    const pipeline =
      `"${process.execPath}" "${scriptedSource}" read --config s-${name}.json --catalog c-widgets.json | ` +
      `"${process.execPath}" "${syncBin}" dest postgres write --config d-${name}.json --catalog c-widgets.json; ` +
      // The destination's exit code, whatever the source's.
      'exit ${PIPESTATUS[1]}';
    const result = await execa('bash', ['-c', pipeline], { cwd: dir, env: cliEnv({}), extendEnv: false, reject: false });
    const output = String(result.stdout).trim().split('\n').map((l) => JSON.parse(l) as { type: string; trace?: { error?: { message: string; failure_type?: string } } });
    const ids = (await query<{ id: string }>(`select id from "${schema}".widgets order by id`)).map((r) => r.id);
    return { exitCode: result.exitCode, stderr: String(result.stderr), output, ids };
  };

  const lines = [widget('w1'), widget('w2'), state(2), widget('w3'), widget('w4')];
  const failed = await pipe('abort', [...lines, failure], 1);
  expect(failed.exitCode).toBe(1);
  expect(failed.ids).toEqual(['w1', 'w2']);
  expect(failed.output.map((m) => m.type)).toEqual(['STATE', 'TRACE']);
  expect(failed.output[1]?.trace?.error).toMatchObject({ failure_type: 'transient_error', message: expect.stringMatching(/^input aborted: the source failed: the widgets API answered 500 five times/) });
  expect(failed.stderr).toMatch(/^destination-postgres: transient_error: input aborted: the source failed: the widgets API answered 500 five times/m);

  // The same lines ending cleanly (EOF, no TRACE ERROR): the records after the last STATE are committed.
  const clean = await pipe('eof', lines, 0);
  expect(clean.exitCode, clean.stderr).toBe(0);
  expect(clean.ids).toEqual(['w1', 'w2', 'w3', 'w4']);
});
