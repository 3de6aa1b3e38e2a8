/**
 * The engine persists only states the source sent: an acknowledgement it cannot match fails the run
 * and saves nothing, and what it saves is the source's copy of the state, with the destination's count.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const source = `node ${join(repoRoot, 'e2e/fixtures/engine-source.mjs')}`;
const destination = `node ${join(repoRoot, 'e2e/fixtures/engine-destination.mjs')}`;
const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
const sourceState = (n: number, count: number) => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n } },
  sourceStats: { recordCount: count },
});

async function run(mode: string) {
  const pipeline = freshSchema('ack');
  const lines = [record('w1'), record('w2'), JSON.stringify({ type: 'STATE', state: sourceState(1, 2) })];
  const result = await runCli(
    ['run', '--source', source, '--dest', destination, '--pipeline', pipeline, '--plain',
      '--source-config', JSON.stringify({ streams: ['widgets'], lines }), '--dest-config', JSON.stringify({ mode })],
    cliEnv({ DATABASE_URL: databaseUrl() }),
  );
  const saved = await query<{ state: unknown }>('select state from sync.stream_states where pipeline_id = $1', [pipeline]);
  const [run] = await query<{ status: string; error: string | null }>('select status, error from sync.runs where pipeline_id = $1', [pipeline]);
  return { result, saved: saved.map((s) => s.state), run };
}

it('fails the run, saving nothing, when the destination acknowledges a STATE the source never sent', async () => {
  const { result, saved, run: stored } = await run('forge');
  expect(result.exitCode).toBe(1);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('sync: error:'));
  expect(errors).toEqual([
    expect.stringMatching(
      /^sync: error: node .*engine-destination\.mjs: line 1: acknowledged a STATE that the source never sent, or acknowledged it twice or out of order \(.*"forged":true.*\); the engine saves only states it forwarded/,
    ),
  ]);
  expect(saved).toEqual([]);
  expect(stored).toMatchObject({ status: 'failed', error: expect.stringContaining('acknowledged a STATE that the source never sent') });
});

it("saves the source's copy of an acknowledged STATE, with the destination's count, not the destination's echo", async () => {
  const { result, saved } = await run('restate');
  expect(result.exitCode, result.stderr).toBe(0);
  expect(saved).toEqual([{ ...sourceState(1, 2), destinationStats: { recordCount: 2 } }]);
});
