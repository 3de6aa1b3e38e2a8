/**
 * A run keeps the catalog its source discovered (per pipeline, for the connector's version and a hash
 * of its config, never the config) and the next runs reuse it: they start no `discover` process and
 * hand the connectors the same configured catalog. `--refresh-catalog`, a changed config, a changed
 * executable, a catalog past its maximum age, or a run that failed with a config_error make the next
 * run discover again; a command line (no version) discovers on every run. Each connector is a shell
 * wrapper (found on PATH, so versioned by its file) that appends the command it was given to a file,
 * and the configured catalog of each `read`, before running a fixture connector.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const tag = randomBytes(4).toString('hex');
const source = `catalogued_${tag}`;
const destination = `acks_${tag}`;
const token = `tok_${tag}_given`;
const password = `pw-${tag}-given`;

const dir = await mkdtemp(join(tmpdir(), 'sync-catalog-cache-'));
const bin = join(dir, 'bin');
const callsFile = join(dir, 'source.calls');
const catalogsFile = join(dir, 'source.catalogs');
afterAll(() => rm(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await mkdir(bin);
  const sourceFile = join(bin, `source-${source}`);
  await writeFile(
    sourceFile,
    `#!/bin/sh
echo "$1" >> '${callsFile}'
if [ "$1" = read ]; then
  prev=
  for arg in "$@"; do
    if [ "$prev" = --catalog ]; then cat "$arg" >> '${catalogsFile}'; echo >> '${catalogsFile}'; fi
    prev=$arg
  done
fi
exec '${process.execPath}' '${join(repoRoot, 'e2e/fixtures/leaky-source.mjs')}' "$@"
`,
  );
  await chmod(sourceFile, 0o755);
  const destinationFile = join(bin, `destination-${destination}`);
  await writeFile(destinationFile, `#!/bin/sh\nexec '${process.execPath}' '${join(repoRoot, 'e2e/fixtures/engine-destination.mjs')}' "$@"\n`);
  await chmod(destinationFile, 0o755);
});

/** Runs `sync run` once; returns its result, the source commands it started and the configured catalogs its reads got. */
async function run(pipeline: string, options: { sourceName?: string; config?: Record<string, unknown>; flags?: string[] } = {}) {
  await writeFile(callsFile, '');
  await writeFile(catalogsFile, '');
  const config = join(dir, `${pipeline}-source.json`);
  const given = options.config ?? { api_token: token, credentials: { method: 'password', password } };
  await writeFile(config, JSON.stringify(given), { mode: 0o600 });
  const result = await runCli(
    ['run', '--source', options.sourceName ?? source, '--dest', destination, '--pipeline', pipeline, '--source-config', config, '--plain', ...(options.flags ?? [])],
    cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: dir, PATH: `${bin}:${process.env.PATH ?? ''}` }),
  );
  const commands = (await readFile(callsFile, 'utf8')).split('\n').filter(Boolean).sort();
  const catalogs = (await readFile(catalogsFile, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown);
  return { result, commands, catalogs, reused: result.stderr.includes('catalog reused from the discover of') };
}

/** The pipeline's row of `sync.source_catalogs` as text, or undefined when none is kept. */
async function keptRow(pipeline: string): Promise<string | undefined> {
  const rows = await query<{ row: string }>('select t::text as row from sync.source_catalogs t where pipeline_id = $1', [pipeline]);
  return rows[0]?.row;
}

it('reuses the catalog kept from the last discover, and discovers again when asked, for a new config, a new executable or an old catalog', async () => {
  const pipeline = freshSchema('p_catalog');
  const first = await run(pipeline);
  expect(first.result.exitCode, first.result.stderr).toBe(0);
  expect(first.commands).toEqual(['discover', 'read', 'spec']);
  expect(first.reused).toBe(false);
  const row = await keptRow(pipeline);
  expect(row).toContain('widgets');
  // The config holds secrets: only its hash is kept.
  for (const secret of [token, password]) expect(row).not.toContain(secret);

  const second = await run(pipeline);
  expect(second.result.exitCode, second.result.stderr).toBe(0);
  expect(second.commands).toEqual(['read']);
  expect(second.reused).toBe(true);

  const refreshed = await run(pipeline, { flags: ['--refresh-catalog'] });
  expect(refreshed.result.exitCode, refreshed.result.stderr).toBe(0);
  expect(refreshed.commands).toEqual(['discover', 'read']);
  expect(refreshed.reused).toBe(false);
  // The reused catalog configures the run exactly as a fresh discover does (both runs resume from the same state).
  expect(second.catalogs).toHaveLength(1);
  expect(second.catalogs).toEqual(refreshed.catalogs);

  // A new setting discovers again; a rotated secret alone does not (the hash sees the config with its
  // secrets masked, so that it tells nothing about them).
  const newConfig = await run(pipeline, { config: { api_token: token, credentials: { method: 'password', password }, region: 'eu' } });
  expect(newConfig.commands).toEqual(['discover', 'read']);
  const rotated = { api_token: `${token}_rotated`, credentials: { method: 'password', password }, region: 'eu' };
  expect((await run(pipeline, { config: rotated })).commands).toEqual(['read']);
  expect(await keptRow(pipeline)).not.toContain(`${token}_rotated`);

  await query(`update sync.source_catalogs set discovered_at = now() - interval '25 hours' where pipeline_id = $1`, [pipeline]);
  expect((await run(pipeline)).commands).toEqual(['discover', 'read']);

  // A changed executable is a new version: spec and catalog are read again.
  await appendFile(join(bin, `source-${source}`), '# changed\n');
  expect((await run(pipeline)).commands).toEqual(['discover', 'read', 'spec']);
  expect((await run(pipeline)).commands).toEqual(['read']);
});

it('forgets the kept catalog after a run that fails on a stream it does not hold, or on the source\'s config_error', async () => {
  const pipeline = freshSchema('p_catalog_forget');
  expect((await run(pipeline)).commands).toContain('discover');
  const missing = await run(pipeline, { flags: ['--streams', 'gadgets'] });
  expect(missing.result.exitCode).toBe(1);
  expect(missing.commands).toEqual([]);
  expect(await keptRow(pipeline)).toBeUndefined();
  expect((await run(pipeline)).commands).toEqual(['discover', 'read']);

  // The leaky source fails its read with a config_error when told to.
  const failing = { api_token: token, credentials: { method: 'password', password }, fail: true };
  const failed = await run(pipeline, { config: failing });
  expect(failed.result.exitCode).toBe(1);
  expect(failed.commands).toEqual(['discover', 'read']);
  expect(await keptRow(pipeline)).toBeUndefined();
});

it('discovers on every run of a source given as a command line (no version to key its catalog by)', async () => {
  const pipeline = freshSchema('p_catalog_cmd');
  for (let i = 0; i < 2; i++) {
    const { result, commands } = await run(pipeline, { sourceName: `sh ${join(bin, `source-${source}`)}` });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(commands).toContain('discover');
  }
  expect(await keptRow(pipeline)).toBeUndefined();
});
