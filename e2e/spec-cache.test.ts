/**
 * A run reads the spec of a versioned connector (here: found on PATH, versioned by its file) once:
 * the state store keeps it, later runs start no `spec` process and still mask by it; a changed
 * executable has its spec read again; a command line (no version) has it read on every run. Each
 * connector is a shell wrapper that appends the command it was given to a file before running a
 * fixture connector, so the test counts the processes each run started.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const tag = randomBytes(4).toString('hex');
const source = `leaky_${tag}`;
const destination = `acks_${tag}`;
const token = `tok_${tag}_given`;
const password = `pw-${tag}-given`;

const dir = await mkdtemp(join(tmpdir(), 'sync-spec-cache-'));
const bin = join(dir, 'bin');
const callsOf = (name: string) => join(dir, `${name}.calls`);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** An executable `file` that logs its first argument to `calls`, then runs `fixture` with Node. */
async function wrapper(file: string, calls: string, fixture: string): Promise<void> {
  await writeFile(file, `#!/bin/sh\necho "$1" >> '${calls}'\nexec '${process.execPath}' '${join(repoRoot, 'e2e/fixtures', fixture)}' "$@"\n`);
  await chmod(file, 0o755);
}

beforeAll(async () => {
  await mkdir(bin);
  await wrapper(join(bin, `source-${source}`), callsOf(source), 'leaky-source.mjs');
  await wrapper(join(bin, `destination-${destination}`), callsOf(destination), 'engine-destination.mjs');
});

/** Runs `sync run` once; returns its output and the commands each connector was started with. */
async function run(pipeline: string, sourceName: string) {
  for (const name of [source, destination]) await writeFile(callsOf(name), '');
  const config = join(dir, `${pipeline}-source.json`);
  await writeFile(config, JSON.stringify({ api_token: token, credentials: { method: 'password', password }, fail: true }), { mode: 0o600 });
  const result = await runCli(
    ['run', '--source', sourceName, '--dest', destination, '--pipeline', pipeline, '--source-config', config, '--log-format', 'json', '--log-level', 'trace'],
    cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: dir, PATH: `${bin}:${process.env.PATH ?? ''}` }),
  );
  const calls = async (name: string) => (await readFile(callsOf(name), 'utf8')).split('\n').filter(Boolean).sort();
  const [stored] = await query<{ error: string | null }>('select error from sync.runs where pipeline_id = $1 order by started_at desc limit 1', [pipeline]);
  return { result, output: `${result.stdout}\n${result.stderr}`, source: await calls(source), destination: await calls(destination), error: stored?.error };
}

/** What a masked run shows: the source's leaks on stderr and in its error, each secret replaced. */
function expectMasked(output: string, error: string | null | undefined): void {
  for (const secret of [token, password]) expect(output).not.toContain(secret);
  expect(output).toContain('reading with token=[REDACTED] password=[REDACTED]');
  expect(output).toContain('discovering with token=[REDACTED] password=[REDACTED]');
  expect(output).not.toContain('could not read the spec');
  expect(error).toMatch(/login refused for token=\[REDACTED\] password=\[REDACTED\]$/);
}

it('reads the spec of a connector found on PATH once: the next run starts no spec process and masks by the kept spec', async () => {
  const pipeline = freshSchema('p_spec');
  const first = await run(pipeline, source);
  expect(first.result.exitCode, first.result.stderr).toBe(1);
  expect(first.source).toEqual(['discover', 'read', 'spec']);
  expect(first.destination).toEqual(['spec', 'write']);
  expectMasked(first.output, first.error);
  const kept = await query<{ connector: string }>('select connector from sync.connector_specs where connector = any($1) order by connector', [
    [`source-${source}`, `destination-${destination}`],
  ]);
  expect(kept.map((k) => k.connector)).toEqual([`destination-${destination}`, `source-${source}`]);

  const second = await run(pipeline, source);
  expect(second.result.exitCode, second.result.stderr).toBe(1);
  expect(second.source).toEqual(['discover', 'read']);
  expect(second.destination).toEqual(['write']);
  expectMasked(second.output, second.error);

  // A changed executable is a new version: its spec is read again, the other connector's is not.
  await appendFile(join(bin, `source-${source}`), '# changed\n');
  const third = await run(pipeline, source);
  expect(third.source).toEqual(['discover', 'read', 'spec']);
  expect(third.destination).toEqual(['write']);
  expectMasked(third.output, third.error);
});

it('reads the spec of a connector given as a command line on every run (no version to key it by)', async () => {
  const pipeline = freshSchema('p_spec_cmd');
  const commandLine = `sh ${join(bin, `source-${source}`)}`;
  for (let i = 0; i < 2; i++) {
    const { result, output, error, source: calls } = await run(pipeline, commandLine);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(calls).toEqual(['discover', 'read', 'spec']);
    expectMasked(output, error);
  }
});
