/**
 * Input that ends because the source failed is not a clean end: the engine tells the destination (a
 * TRACE ERROR on its stdin), which commits nothing after the last STATE it acknowledged. Only a source
 * that ended cleanly gets a plain EOF, after which the records past the last STATE are committed too.
 * Real processes: the engine-source fixture, the Postgres destination, the CLI.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query, tableRows } from './support/database.ts';
import { running } from './support/processes.ts';

const source = `node ${join(repoRoot, 'e2e/fixtures/engine-source.mjs')}`;
const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
const state = (n: number) =>
  JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n } }, sourceStats: { recordCount: 1 } } });
const traceError = (message: string) =>
  JSON.stringify({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message, failure_type: 'config_error' } } });

async function run(config: Record<string, unknown>, ...flags: string[]) {
  const pipeline = freshSchema('abort');
  const result = await runCli(
    [
      'run', '--source', source, '--dest', 'postgres', '--pipeline', pipeline, '--plain',
      '--source-config', JSON.stringify({ streams: ['widgets'], ...config }), '--dest-config', JSON.stringify({ schema: pipeline }),
      ...flags,
    ],
    cliEnv({ DATABASE_URL: databaseUrl() }),
  );
  const ids = (await tableRows(pipeline, 'widgets')).map((r) => r.id);
  const states = await query<{ state: { stream: { stream_state: unknown } } }>('select state from sync.stream_states where pipeline_id = $1', [pipeline]);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('sync: error:'));
  return { result, ids, saved: states.map((s) => s.state.stream.stream_state), errors };
}


describe('the end of a source, clean or failed', () => {
  it('a clean end commits the records after the last STATE too', async () => {
    const { result, ids, saved } = await run({ lines: [record('w1'), state(1), record('w2')] });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(ids).toEqual(['w1', 'w2']);
    expect(saved).toEqual([{ n: 1 }]);
  });

  it("a source's TRACE ERROR reaches the destination, which commits nothing after the last STATE", async () => {
    const { result, ids, saved, errors } = await run({ lines: [record('w1'), state(1), record('w2'), traceError('the API key was revoked')], exit_code: 1 });
    expect(result.exitCode).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/^sync: error: node .*engine-source\.mjs: the API key was revoked$/)]);
    expect(ids).toEqual(['w1']);
    expect(saved).toEqual([{ n: 1 }]);
  });

  it('states a source sends after a TRACE ERROR still commit what they cover', async () => {
    const { result, ids, saved } = await run({ lines: [record('w1'), traceError('one page was refused'), record('w2'), state(2)], exit_code: 1 });
    expect(result.exitCode).toBe(1);
    expect(ids).toEqual(['w1', 'w2']);
    expect(saved).toEqual([{ n: 2 }]);
  });

  it('a source that exits non-zero without a word is a failed end too', async () => {
    const { result, ids, saved, errors } = await run({ lines: [record('w1'), state(1), record('w2')], exit_code: 3 });
    expect(result.exitCode).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/^sync: error: node .*engine-source\.mjs exited with code 3$/)]);
    expect(ids).toEqual(['w1']);
    expect(saved).toEqual([{ n: 1 }]);
  });

  it('a source that hangs times out, is killed with what it started, and the destination commits nothing after the last STATE', async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), 'sync-grandchild-')), 'pid');
    const { result, ids, saved, errors } = await run(
      { lines: [record('w1'), state(1), record('w2')], hang: 'read', grandchild_pid_file: pidFile },
      // Long enough for the source to start and print its lines even on a loaded machine.
      '--source-idle-timeout', '3s',
    );
    expect(result.exitCode).toBe(1);
    expect(errors).toEqual([
      expect.stringMatching(/^sync: error: node .*engine-source\.mjs sent nothing for 3s \(source idle timeout\): it may be stuck; raise the limit with --source-idle-timeout/),
    ]);
    expect(ids).toEqual(['w1']);
    expect(saved).toEqual([{ n: 1 }]);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await vi.waitFor(() => expect(running(grandchild)).toBe(false));
  });
});
