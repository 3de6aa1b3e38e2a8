/**
 * A connector's output cannot take the engine's memory: a source that writes a 100 MB line without a
 * newline fails the run at the 64 MiB line cap, with the connector's name and the line number, and
 * the state committed before it is kept.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_BYTES } from '@sync/protocol';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query, tableRows } from './support/database.ts';

const source = `node ${join(repoRoot, 'e2e/fixtures/engine-source.mjs')}`;
const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
const state = JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n: 1 } } } });

it('fails a source that writes a 100 MB line, naming it and the line, and keeps what was committed', async () => {
  const pipeline = freshSchema('huge');
  const result = await runCli(
    ['run', '--source', source, '--dest', 'postgres', '--pipeline', pipeline, '--plain',
      '--source-config', JSON.stringify({ streams: ['widgets'], lines: [record('w1'), state, record('w2')], huge_line_mib: 100 }),
      '--dest-config', JSON.stringify({ schema: pipeline })],
    cliEnv({ DATABASE_URL: databaseUrl() }),
  );
  expect(result.exitCode).toBe(1);
  expect(result.stderr.split('\n').filter((l) => l.startsWith('sync: error:'))).toEqual([
    expect.stringMatching(new RegExp(`^sync: error: node .*engine-source\\.mjs: line 4: line longer than the maximum of ${DEFAULT_MAX_LINE_BYTES} bytes`)),
  ]);
  expect((await tableRows(pipeline, 'widgets')).map((r) => r.id)).toEqual(['w1']);
  const saved = await query<{ state: { stream: { stream_state: unknown } } }>('select state from sync.stream_states where pipeline_id = $1', [pipeline]);
  expect(saved.map((s) => s.state.stream.stream_state)).toEqual([{ n: 1 }]);
});
