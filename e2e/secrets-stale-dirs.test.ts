/**
 * A run killed with SIGKILL cannot remove its private temp dir, whose config files hold secrets: the
 * next run removes it (its owner, named in `owner.pid`, is dead), and leaves a live run's alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli, startCli } from './support/cli.ts';
import { databaseUrl, freshSchema } from './support/database.ts';

const hanging = `node ${join(repoRoot, 'e2e/fixtures/secrets-hanging-source.mjs')}`;
const connector = `node ${join(repoRoot, 'e2e/fixtures/secrets-env-connector.mjs')}`;
const root = await mkdtemp(join(tmpdir(), 'sync-secrets-stale-'));
afterAll(() => rm(root, { recursive: true, force: true }));

it('the temp dir of a SIGKILLed run is removed at the next start', async () => {
  // The CLI and its connectors use a temp dir of this test's own (TMPDIR), so no other run's dirs count.
  const env = cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: join(root, 'home'), TMPDIR: root });
  const cli = startCli(['run', '--source', hanging, '--dest', connector, '--pipeline', freshSchema('p_stale'), '--log-format', 'json'], env);
  const sourcePid = await new Promise<number>((resolve, reject) => {
    let text = '';
    cli.stderr.setEncoding('utf8');
    cli.stderr.on('data', (chunk: string) => {
      text += chunk;
      const match = /reading, pid (\d+)/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    void cli.then((result) => reject(new Error(`the run ended before its source read: ${String(result.stderr)}`)));
  });
  const runDirs = async () => (await readdir(root)).filter((name) => name.startsWith('sync-run-'));
  const [killedDir] = await runDirs();
  expect(killedDir).toBeDefined();
  const dir = join(root, killedDir!);
  expect(await readFile(join(dir, 'owner.pid'), 'utf8')).toBe(`${cli.pid} ${hostname()}\n`);
  expect(existsSync(join(dir, 'source-config.json'))).toBe(true);

  cli.kill('SIGKILL');
  await cli.catch(() => {});
  process.kill(sourcePid, 'SIGKILL'); // the destination ends on its own when its stdin closes
  expect(existsSync(dir)).toBe(true);

  const next = await runCli(['run', '--source', connector, '--dest', connector, '--pipeline', freshSchema('p_stale')], env);
  expect(next.exitCode).toBe(0);
  expect(existsSync(dir)).toBe(false);
  expect(await runDirs()).toEqual([]);
});
