/**
 * Every wait of a run is bounded, with defaults and `sync run` flags: a connector command that hangs,
 * and a destination that stops reading its input, fail the run with one clear line; committed state
 * is kept. (A source that hangs mid-read: engine-input-abort.test.ts.) Tiny limits, real processes;
 * only outcomes are asserted.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const source = `node ${join(repoRoot, 'e2e/fixtures/engine-source.mjs')}`;
const destination = `node ${join(repoRoot, 'e2e/fixtures/engine-destination.mjs')}`;
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /error/i.test(l));

/** Runs the fixtures; the source config goes in a file, since it may be larger than an argument may. */
async function run(pipeline: string, sourceConfig: Record<string, unknown>, destinationConfig: Record<string, unknown>, ...flags: string[]) {
  const file = join(await mkdtemp(join(tmpdir(), 'sync-timeouts-')), 'source.json');
  await writeFile(file, JSON.stringify({ streams: ['widgets'], ...sourceConfig }), { mode: 0o600 });
  return runCli(
    ['run', '--source', source, '--dest', destination, '--pipeline', pipeline, '--plain',
      '--source-config', file, '--dest-config', JSON.stringify(destinationConfig), ...flags],
    cliEnv({ DATABASE_URL: databaseUrl() }),
  );
}

it('fails a discover that does not finish within --command-timeout', async () => {
  const pipeline = freshSchema('timeout');
  // The limit bounds `spec` too: long enough for both connectors to answer it even on a loaded machine.
  const result = await run(pipeline, { hang: 'discover' }, { mode: 'restate' }, '--command-timeout', '3s');
  expect(result.exitCode).toBe(1);
  expect(errorLines(result.stderr)).toEqual([
    expect.stringMatching(/^sync: error: node .*engine-source\.mjs: `discover` did not finish within 3s \(connector command timeout; raise it with --command-timeout\)$/),
  ]);
  const [failed] = await query<{ status: string }>('select status from sync.runs where pipeline_id = $1', [pipeline]);
  expect(failed).toEqual({ status: 'failed' });
});

it('fails a run whose destination stops reading its input, past --destination-idle-timeout', async () => {
  const pipeline = freshSchema('timeout');
  // Enough output to fill the pipe to the destination, so the engine waits on it.
  const record = JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id: 'w', pad: 'x'.repeat(1000) }, emitted_at: 1 } });
  const result = await run(pipeline, { lines: Array.from({ length: 1000 }, () => record) }, { mode: 'stuck' }, '--destination-idle-timeout', '1s');
  expect(result.exitCode).toBe(1);
  expect(errorLines(result.stderr)).toEqual([
    expect.stringMatching(
      /^sync: error: node .*engine-destination\.mjs neither read its input nor answered for 1s \(destination idle timeout\): it may be stuck; raise the limit with --destination-idle-timeout/,
    ),
  ]);
});

it('refuses a timeout flag that is not a duration', async () => {
  const result = await run(freshSchema('timeout'), {}, {}, '--source-idle-timeout', 'soon');
  expect(result.exitCode).toBe(1);
  expect(errorLines(result.stderr)).toEqual(["sync: error: --source-idle-timeout: 'soon' is not a duration (say 30s, 10m, 1h or 500ms)"]);
});
