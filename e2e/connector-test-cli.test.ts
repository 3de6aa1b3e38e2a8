/**
 * `sync connector test -- <command…>` through the real CLI: a passing connector gets a report and exit 0,
 * a broken one gets its failures named and a non-zero exit.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl } from './support/database.ts';

it('passes the shell example and reports every check', async () => {
  const result = await runCli(['connector', 'test', '--', 'sh', join(repoRoot, 'examples/shell-source/source.sh')], cliEnv({ DATABASE_URL: databaseUrl() }));
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toMatch(/^Conformance of source sh .*source\.sh/);
  expect(result.stdout).toMatch(/\n\d+ passed, 0 failed$/);
});

it('fails a source whose STATE lies about its record count, naming the check', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sync-ct-'));
  try {
    const lines = [
      JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id: 'w1', updated: 1 }, emitted_at: 1 } }),
      JSON.stringify({
        type: 'STATE',
        state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { updated: 1 } }, sourceStats: { recordCount: 5 } },
      }),
    ];
    const config = join(dir, 'conformance.json');
    await writeFile(config, JSON.stringify({ kind: 'source', config: { streams: ['widgets'], lines }, badConfig: { streams: 7 } }));
    const result = await runCli(
      ['connector', 'test', '--file', config, '--', 'node', join(repoRoot, 'e2e/fixtures/scripted-source.mjs')],
      cliEnv({ DATABASE_URL: databaseUrl() }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ read: sourceStats\.recordCount/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('fails a source whose STATE claims records it has not emitted yet, naming the state, stream and keys lost', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sync-ct-'));
  try {
    const config = join(dir, 'conformance.json');
    // Pages of 4 rows, each STATE 3 rows ahead of the last row emitted.
    await writeFile(config, JSON.stringify({ kind: 'source', config: { count: 14, page_size: 4, ahead: 3 }, badConfig: { count: -1 } }));
    const result = await runCli(
      ['connector', 'test', '--file', config, '--', 'node', join(repoRoot, 'packages/connector-test/fixtures/paged-source.mjs')],
      cliEnv({ DATABASE_URL: databaseUrl() }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ read stopped \(SIGKILL\) right after a STATE and resumed from it/);
    expect(result.stdout).toMatch(/stopped after STATE of "widgets" #1 \{"n":7\} and resumed from it: stream "widgets" lost 3 of 14 primary keys .*: "w5", "w6", "w7"/);
    expect(result.stdout).toMatch(/\n\d+ passed, 1 failed$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
