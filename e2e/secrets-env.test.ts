/**
 * Connectors get only what they need: a connector that prints its whole environment (names, and a
 * hash of each value) sees the allow-list (PATH, HOME, LANG, LC_*, TZ, TMPDIR) and the variables
 * passed with --pass-env, never DATABASE_URL of the state store, an API key or anything else of the
 * CLI's environment. Built-in connectors still get their settings (STRIPE_API_KEY and the database
 * URL go in their config file).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema } from './support/database.ts';

const connector = `node ${join(repoRoot, 'e2e/fixtures/secrets-env-connector.mjs')}`;
const home = await mkdtemp(join(tmpdir(), 'sync-secrets-env-'));
afterAll(() => rm(home, { recursive: true, force: true }));
const hash = (value: string) => createHash('sha256').update(value).digest('hex');

it('a connector sees the allow-list and the passed variables, nothing else, and passed values are masked', async () => {
  const passed = { PASSED_ONE: 'passed-value-1', PASSED_TWO: 'passed-value-2', PASSED_THREE: 'passed-value-3' };
  const env = cliEnv({
    DATABASE_URL: databaseUrl(),
    SYNC_HOME: home,
    STRIPE_API_KEY: 'sk_test_never_passed',
    AWS_SECRET_ACCESS_KEY: 'aws-never-passed',
    NOT_PASSED: 'not-passed',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    TMPDIR: tmpdir(),
    ...passed,
  });
  const result = await runCli(
    [
      'run', '--source', connector, '--dest', connector, '--pipeline', freshSchema('p_env'),
      '--pass-env', 'PASSED_ONE', '--pass-env', 'PASSED_TWO,PASSED_THREE', '--log-format', 'json', '--plain',
    ],
    env,
  );
  expect(result.stderr).not.toMatch(/"level":"(error|fatal)"/);
  expect(result.exitCode).toBe(0);
  const seen: Record<string, Record<string, string>> = { source: {}, destination: {} };
  for (const line of result.stderr.split('\n')) {
    const match = /^env (source|destination) (\w+) sha256=([0-9a-f]+)$/.exec((JSON.parse(line.startsWith('{') ? line : '{}') as { msg?: string }).msg ?? '');
    if (match) seen[match[1]!]![match[2]!] = match[3]!;
  }
  const allowed = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'].filter((name) => env[name] !== undefined);
  for (const role of ['source', 'destination']) {
    expect(Object.keys(seen[role]!).sort(), role).toEqual([...allowed, ...Object.keys(passed)].sort());
    for (const [name, value] of Object.entries(passed)) expect(seen[role]![name], `${role} ${name}`).toBe(hash(value));
    expect(seen[role]!.PATH).toBe(hash(env.PATH!));
  }
  expect(result.stderr).not.toContain('passed-value-');
});

it('refuses a --pass-env that is no variable name', async () => {
  const result = await runCli(
    ['run', '--source', connector, '--dest', connector, '--pipeline', freshSchema('p_env'), '--pass-env', 'A B'],
    cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: home }),
  );
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toMatch(/^sync: error: cannot pass "A B" to the connectors: not an environment variable name/m);
});
