/**
 * Ctrl-C. Connectors run in process groups of their own, so the terminal's SIGINT reaches only the CLI
 * (sent here to the CLI's own process group, as a terminal does to its foreground job). The engine
 * then stops the source, tells the destination the input failed (it commits nothing more and exits
 * on its own), records the run as interrupted, and keeps every committed checkpoint; no connector
 * process outlives the CLI.
 */
import { execa } from 'execa';
import { expect, it, vi } from 'vitest';
import { cliEnv, repoRoot, syncBin } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { descendantsMatching, running } from './support/processes.ts';


it('stops both connectors on Ctrl-C, keeps the committed checkpoints, and leaves no process behind', async () => {
  const pipeline = freshSchema('int');
  const cli = execa(
    process.execPath,
    [syncBin, 'run', '--source', 'faker', '--dest', 'postgres', '--pipeline', pipeline, '--plain', '--log-level', 'debug',
      '--source-config', JSON.stringify({ count: 2_000_000, streams: 1, state_every: 500, record_bytes: 200, seed: 'int' }),
      '--dest-config', JSON.stringify({ schema: pipeline })],
    { reject: false, env: cliEnv({ DATABASE_URL: databaseUrl() }), extendEnv: false, stdin: 'ignore', cwd: repoRoot, detached: true },
  );
  let stderr = '';
  cli.stderr.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    cli.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (/^customers: [\d,]+ records? committed$/m.test(stderr)) resolve();
    });
    void cli.then(() => reject(new Error(`the run ended before its first checkpoint:\n${stderr}`)));
  });
  const connectors = descendantsMatching(cli.pid!, 'bin/');
  expect(connectors.length).toBeGreaterThanOrEqual(2);

  process.kill(-cli.pid!, 'SIGINT');
  const result = await cli;
  expect(result.exitCode).toBe(1);
  expect(stderr.split('\n').filter((l) => l.startsWith('sync: error:'))).toEqual(['sync: error: the run was interrupted']);
  // The destination heard why its input ended and stopped by itself, committing nothing more.
  expect(stderr).toMatch(/destination-postgres: transient_error: input aborted: the source failed: the run was interrupted/);
  for (const pid of connectors) await vi.waitFor(() => expect(running(pid), `connector ${pid}`).toBe(false));

  const [run] = await query<{ status: string; error: string }>('select status, error from sync.runs where pipeline_id = $1', [pipeline]);
  expect(run).toEqual({ status: 'failed', error: 'the run was interrupted' });
  const saved = await query('select 1 from sync.stream_states where pipeline_id = $1', [pipeline]);
  expect(saved).toHaveLength(1);
});
