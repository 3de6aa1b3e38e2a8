/**
 * Piping connectors by hand, as when debugging:
 *   sync source stripe read --config s.json --catalog c.json | sync dest postgres write --config d.json --catalog c.json
 * gives the same tables as `sync run`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { configureCatalog, type AirbyteCatalog } from '@sync/protocol';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, runCli, syncBin } from './support/cli.ts';
import { databaseUrl, freshSchema, tableRows } from './support/database.ts';
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
