/**
 * Secrets never reach a log line: a source that leaks its own secrets (by its spec's airbyte_secret
 * fields, one nested in a oneOf) in LOG messages at every level, on stderr and in its TRACE ERROR
 * runs with every log line on; no line of stderr or stdout holds a secret, whatever the format, nor
 * the new token it hands over mid-run in a CONTROL message.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema } from './support/database.ts';

const leakySource = `node ${join(repoRoot, 'e2e/fixtures/leaky-source.mjs')}`;
/** The token and password given, and the token the source rotates to mid-run. */
const secrets = ['tok_9f8e7d6c5b4a', 'pw-Zq7!x"y/z', 'tok_rotated_77aa'];

const home = await mkdtemp(join(tmpdir(), 'sync-logs-secrets-'));
afterAll(() => rm(home, { recursive: true, force: true }));

async function run(format: string, fail: boolean) {
  const pipeline = freshSchema('p');
  // Secrets go in a file (mode 0600), never on the command line.
  const config = join(home, `${pipeline}.json`);
  await writeFile(config, JSON.stringify({ api_token: secrets[0], credentials: { method: 'password', password: secrets[1] }, fail, rotate_to: secrets[2] }), { mode: 0o600 });
  return runCli(
    [
      'run', '--source', leakySource, '--dest', 'postgres', '--pipeline', pipeline,
      '--source-config', config,
      '--dest-config', JSON.stringify({ schema: freshSchema() }),
      '--log-format', format, '--log-level', 'trace',
    ],
    cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: home }),
  );
}

/** The secrets in the forms a line could hold them: as written, JSON-escaped, percent-encoded. */
const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]);

for (const format of ['json', 'pretty']) {
  it(`${format}: no log line of a failing run holds a secret, and the leaks were there to catch`, async () => {
    const result = await run(format, true);
    expect(result.exitCode).toBe(1);
    const lines = `${result.stderr}\n${result.stdout}`.split('\n');
    for (const line of lines) for (const secret of forms) expect(line).not.toContain(secret);
    // The source did leak: every level of its LOG, its stderr and its error were logged, masked.
    const masked = lines.filter((l) => l.includes('token=[REDACTED] password=[REDACTED]'));
    expect(masked.length).toBeGreaterThanOrEqual(6);
    expect(lines).toContainEqual(expect.stringMatching(/^sync: error: .*login refused for token=\[REDACTED\] password=\[REDACTED\]$/));
    // The token handed over mid-run (CONTROL) is masked from then on.
    expect(lines).toContainEqual(expect.stringMatching(/rotated to token=\[REDACTED\]/));
    if (format === 'json') {
      const records = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.map((r) => r.event)).toEqual(expect.arrayContaining(['log', 'stderr', 'run_finished']));
      const stderr = records.filter((r) => r.event === 'stderr' && r.connector === leakySource);
      // Both the discover and the read leaked on stderr; both lines are tagged and masked.
      expect(stderr).toEqual([
        expect.objectContaining({ connector: leakySource, msg: 'discovering with token=[REDACTED] password=[REDACTED]' }),
        expect.objectContaining({ connector: leakySource, msg: 'reading with token=[REDACTED] password=[REDACTED]' }),
      ]);
    }
  });
}
