/**
 * `sync run` as CI runs it (no TTY, no stdin, CI=true) prints plain lines, never the ink view; with
 * `--log-format json` every stderr line is one JSON object; `sync runs list|show` read the history back.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema } from './support/database.ts';

const scriptedSource = `node ${join(repoRoot, 'e2e/fixtures/scripted-source.mjs')}`;
const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
const state = JSON.stringify({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n: 1 } }, sourceStats: { recordCount: 2 } },
});

function run(pipeline: string, extraArgs: string[], env: Record<string, string | undefined>, exitCode = 0) {
  return runCli(
    [
      'run', '--source', scriptedSource, '--dest', 'postgres', '--pipeline', pipeline,
      '--source-config', JSON.stringify({ streams: ['widgets'], lines: [record('w1'), record('w2'), state], exit_code: exitCode }),
      '--dest-config', JSON.stringify({ schema: freshSchema() }),
      ...extraArgs,
    ],
    cliEnv({ DATABASE_URL: databaseUrl(), ...env }),
  );
}

const ansi = /\u001b\[/;

it('with no TTY and no stdin, as in CI, prints plain progress lines and the summary', async () => {
  for (const ci of ['true', undefined]) {
    const result = await run(freshSchema('p'), [], { CI: ci });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(ansi);
    expect(result.stderr).not.toMatch(/raw mode/i);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run \S+ of pipeline p_\w+: 1 stream \(widgets\)$/);
    expect(lines).toContain('widgets: 2 records committed');
    expect(result.stdout).toMatch(/widgets\s+2\s+2\s+/);
  }
});

it('--log-format json prints one JSON object per stderr line, tagged with run, pipeline, connector and stream', async () => {
  const pipeline = freshSchema('p');
  const result = await run(pipeline, ['--log-format', 'json', '--log-level', 'debug'], { CI: 'true' });
  expect(result.exitCode, result.stderr).toBe(0);
  const records = result.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const runId = records.find((r) => r.event === 'run_started')?.run_id;
  expect(runId).toEqual(expect.any(String));
  for (const r of records) {
    expect(r).toMatchObject({ run_id: runId, pipeline, source: scriptedSource, destination: 'postgres' });
    expect(r).toHaveProperty('connector');
    expect(r).toHaveProperty('stream');
  }
  expect(records.find((r) => r.event === 'checkpoint')).toMatchObject({ stream: 'widgets', total_committed: 2 });
  expect(records.at(-1)).toMatchObject({ event: 'run_finished', status: 'succeeded' });
});

it('sync runs list and show: status, duration, counts, the error and every checkpoint', async () => {
  const pipeline = freshSchema('p');
  expect((await run(pipeline, [], { CI: 'true' })).exitCode).toBe(0);
  const failed = await run(pipeline, [], { CI: 'true' }, 3);
  expect(failed.exitCode).toBe(1);

  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  const list = await runCli(['runs', 'list', '--pipeline', pipeline], env);
  expect(list.exitCode, list.stderr).toBe(0);
  const rows = list.stdout.trimEnd().split('\n');
  expect(rows[0]).toMatch(/^run\s+pipeline\s+status\s+started\s+duration\s+read\s+committed\s+error$/);
  expect(rows.slice(1)).toEqual([
    // The error column holds the error's first 60 characters, so how much of it shows depends on the checkout's path.
    expect.stringMatching(new RegExp(`^\\S+\\s+${pipeline}\\s+failed\\s+\\S+\\s+\\d+s\\s+2\\s+2\\s+node .*(?:scripted-source\\.mjs exited.*|…)$`)),
    expect.stringMatching(new RegExp(`^\\S+\\s+${pipeline}\\s+succeeded\\s+\\S+\\s+\\d+s\\s+2\\s+2$`)),
  ]);

  const failedId = rows[1]!.split(/\s+/)[0]!;
  const show = await runCli(['runs', 'show', failedId], env);
  expect(show.exitCode, show.stderr).toBe(0);
  expect(show.stdout).toMatch(new RegExp(`^run ${failedId} of pipeline ${pipeline}: failed\n`));
  expect(show.stdout).toMatch(/^error +.*exited with code 3/m);
  expect(show.stdout).toMatch(/^widgets\s+2\s+2\s+incomplete/m);
  expect(show.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z\s+widgets\s+2\s+2\s+2$/m);

  const missing = await runCli(['runs', 'show', 'no-such-run'], env);
  expect(missing.exitCode).toBe(1);
  expect(missing.stderr).toMatch(/^sync: error: no run with id 'no-such-run'/);
});
