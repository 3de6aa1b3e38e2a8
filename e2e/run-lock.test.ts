/**
 * One run at a time per pipeline: a second `sync run` of a running pipeline is refused with the
 * running run's id, and a run whose process died (SIGKILL of the CLI and its connectors) is marked
 * interrupted by the next run, which resumes and succeeds.
 */
import { expect, it } from 'vitest';
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
