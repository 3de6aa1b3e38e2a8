/**
 * Airbyte connectors unchanged: the engine accepts the shapes older connectors emit (LEGACY state with
 * only `data`, no `sourceStats`, banner lines on stdout), persists CONTROL config changes, and warns
 * loudly when record counts disagree.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const scriptedSource = `node ${join(repoRoot, 'e2e/fixtures/scripted-source.mjs')}`;
const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-legacy-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(pipeline: string, schema: string, source: Record<string, unknown>) {
  return runCli(
    ['run', '--source', scriptedSource, '--dest', 'postgres', '--pipeline', pipeline,
      '--source-config', JSON.stringify({ streams: ['widgets'], ...source }), '--dest-config', JSON.stringify({ schema })],
    cliEnv({ DATABASE_URL: databaseUrl() }),
  );
}

it('runs an old-style connector: banner lines, LEGACY state without stats, bare state handed back', async () => {
  const pipeline = freshSchema('p');
  const schema = freshSchema();
  const legacyState = JSON.stringify({ type: 'STATE', state: { data: { cursor: 'w2' } } });
  const first = await run(pipeline, schema, { lines: ['Legacy source v0.1 starting', record('w1'), record('w2'), legacyState, 'done.'] });
  expect(first.stderr).not.toMatch(/error|warning/i);
  expect(first.exitCode).toBe(0);
  expect(first.stdout).toMatch(/widgets\s+2\s+2\s/);
  expect((await query(`select id from "${schema}".widgets order by id`)).map((r) => r.id)).toEqual(['w1', 'w2']);

  const stateOut = join(dir, 'legacy-state.json');
  const second = await run(pipeline, schema, { lines: [legacyState], state_out: stateOut });
  expect(second.exitCode).toBe(0);
  expect(JSON.parse(await readFile(stateOut, 'utf8'))).toEqual({ cursor: 'w2' });
});

it('persists a CONTROL config change and applies it on the next run', async () => {
  const pipeline = freshSchema('p');
  const schema = freshSchema();
  const control = JSON.stringify({
    type: 'CONTROL',
    control: { type: 'CONNECTOR_CONFIG', emitted_at: 1, connectorConfig: { config: { api_token: 'rotated' } } },
  });
  const first = await run(pipeline, schema, { lines: [control], api_token: 'original' });
  expect(first.exitCode).toBe(0);
  expect(first.stderr).toMatch(/changed its config \(api_token\); saved for the next runs of this pipeline/);

  const configOut = join(dir, 'config.json');
  const second = await run(pipeline, schema, { lines: [], api_token: 'original', config_out: configOut });
  expect(second.exitCode).toBe(0);
  expect(second.stderr).toMatch(/using config saved by an earlier run \(api_token\)/);
  expect(JSON.parse(await readFile(configOut, 'utf8'))).toMatchObject({ api_token: 'rotated' });
});

it('warns loudly when the counts of a checkpoint disagree, and records it with the run', async () => {
  const pipeline = freshSchema('p');
  const schema = freshSchema();
  const lyingState = JSON.stringify({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n: 1 } }, sourceStats: { recordCount: 3 } },
  });
  const result = await run(pipeline, schema, { lines: [record('w1'), lyingState] });
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toMatch(/warning: widgets: record counts disagree at a checkpoint: source said 3, engine forwarded 1, destination committed 1/);
  expect(result.stdout).toMatch(/WARNING: record counts disagreed at 1 checkpoint/);
  const runs = await query<{ streams: Record<string, { count_mismatches?: number }> }>('select streams from sync.runs where pipeline_id = $1', [pipeline]);
  expect(runs[0]?.streams.widgets?.count_mismatches).toBe(1);
});
