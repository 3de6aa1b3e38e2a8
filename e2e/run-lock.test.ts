/**
 * One run at a time per pipeline: a second `sync run` of a running pipeline is refused with the
 * running run's id, and a run whose process died (SIGKILL of the CLI and its connectors) is marked
 * interrupted by the next run, which resumes and succeeds. A run whose lock connection died may no
 * longer commit: it stops at its next checkpoint.
 */
import { expect, it } from 'vitest';
import { runLockKey } from '@sync/state-postgres';
import { cliEnv, runCli, startCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { descendantsMatching } from './support/processes.ts';

const faker = (count: number) => ({ count, streams: 1, state_every: 500, record_bytes: 200, seed: 'lock' });
const args = (pipeline: string, count: number) => [
  'run', '--source', 'faker', '--dest', 'postgres', '--pipeline', pipeline, '--plain',
  '--source-config', JSON.stringify(faker(count)), '--dest-config', JSON.stringify({ schema: pipeline }),
];

it('refuses a second run of a running pipeline, and the run after a killed one marks it interrupted', async () => {
  const pipeline = freshSchema('lock');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  const first = startCli(args(pipeline, 2_000_000), env);
  let stderr = '';
  first.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    first.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (/^customers: [\d,]+ records? committed$/m.test(stderr)) resolve();
    });
    void first.then(() => reject(new Error(`the first run ended before its first checkpoint:\n${stderr}`)));
  });

  const second = await runCli(args(pipeline, 10), env);
  expect(second.exitCode).toBe(1);
  expect(second.stderr).toMatch(new RegExp(`^sync: error: pipeline "${pipeline}" is already running \\(run \\S+, started \\S+Z\\): wait for it to finish, or run under another --pipeline$`, 'm'));

  // A power cut: the CLI and its connectors die at once, leaving their run 'running'.
  const pids = [first.pid!, ...descendantsMatching(first.pid!, '')];
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  await first;
  const [orphan] = await query<{ status: string }>(`select status from sync.runs where pipeline_id = $1`, [pipeline]);
  expect(orphan).toEqual({ status: 'running' });

  const third = await runCli(args(pipeline, 2000), env);
  expect(third.exitCode, third.stderr).toBe(0);
  const runs = await query<{ status: string; error: string | null }>(`select status, error from sync.runs where pipeline_id = $1 order by started_at`, [pipeline]);
  expect(runs).toEqual([
    { status: 'failed', error: expect.stringMatching(/^interrupted: the process running it ended before the run finished/) },
    { status: 'succeeded', error: null },
  ]);
});

it('stops a run whose lock connection died at its next checkpoint, and lets the next run start', async () => {
  const pipeline = freshSchema('lost');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  const first = startCli(args(pipeline, 2_000_000), env);
  let stderr = '';
  first.stderr!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    first.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (/^customers: [\d,]+ records? committed$/m.test(stderr)) resolve();
    });
    void first.then(() => reject(new Error(`the first run ended before its first checkpoint:\n${stderr}`)));
  });

  // The server ends the session holding the run's pipeline lock (a restart, a network cut, an administrator).
  const [holder] = await query<{ pid: number }>(
    `select pid from pg_locks where locktype = 'advisory' and objsubid = 1 and granted and ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [String(runLockKey('sync', pipeline))],
  );
  expect(holder).toBeDefined();
  await query('select pg_terminate_backend($1, 10000)', [holder!.pid]);
  const result = await first;
  expect(result.exitCode).toBe(1);
  expect(stderr.split('\n').filter((l) => l.startsWith('sync: error:'))).toEqual([
    expect.stringMatching(
      new RegExp(`^sync: error: could not save a checkpoint to the state store: cannot commit state: run \\S+ no longer holds the lock of pipeline "${pipeline}"`),
    ),
  ]);

  const next = await runCli(args(pipeline, 2000), env);
  expect(next.exitCode, next.stderr).toBe(0);
  const runs = await query<{ status: string }>(`select status from sync.runs where pipeline_id = $1 order by started_at`, [pipeline]);
  expect(runs).toEqual([{ status: 'failed' }, { status: 'succeeded' }]);
});
