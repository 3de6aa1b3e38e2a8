/**
 * A secret given to a connector appears nowhere sync writes: a careless source puts its secrets in
 * its TRACE ERROR, its LOG lines at every level, its stderr, its CONTROL message and its records'
 * metadata (and a URL password in a field not marked secret). After three runs of the pipeline, in
 * both log formats at trace level, neither the CLI's stdout and stderr, nor `sync runs list/show`
 * (and `--json`), nor a pg_dump of the state store schema holds any of them. And the leaks were
 * there to catch: the masked lines, the masked stored errors and the encrypted saved config are seen.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli, type CliResult } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const leakySource = `node ${join(repoRoot, 'e2e/fixtures/leaky-source.mjs')}`;
const tag = randomBytes(4).toString('hex');
const token = `tok_${tag}_given`;
const password = `pw-${tag}!"/ &q`;
const rotated = `tok_${tag}_rotated`;
const dsnPassword = `dsn-${tag}@/?#`;
const secrets = [token, password, rotated, dsnPassword];
const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
/** Each secret as written, JSON-escaped (once, or twice: a JSON line quoted in JSON) and percent-encoded. */
const forms = [...new Set(secrets.flatMap((s) => [s, escaped(s), escaped(escaped(s)), encodeURIComponent(s)]))];
/**
 * Every 8 characters in a row of a form: a secret cut short (a snippet ending in `…`) leaks too. Each
 * holds part of the random tag, or is `_rotated`, so no ordinary output matches one by chance.
 */
const pieces = [...new Set(forms.flatMap((form) => Array.from({ length: form.length - 7 }, (_, i) => form.slice(i, i + 8))))];

const home = await mkdtemp(join(tmpdir(), 'sync-secrets-leak-'));
const pipeline = freshSchema('p_leak');
const outputs: { what: string; text: string }[] = [];
const runs: CliResult[] = [];
afterAll(() => rm(home, { recursive: true, force: true }));

const env = () => cliEnv({ DATABASE_URL: databaseUrl(), SYNC_HOME: home });
const sync = async (what: string, args: string[]): Promise<CliResult> => {
  const result = await runCli(args, env());
  outputs.push({ what: `${what} (stdout)`, text: result.stdout }, { what: `${what} (stderr)`, text: result.stderr });
  return result;
};

/** The places where a secret, or a piece of one, was found, if any. */
function leaksIn(entries: { what: string; text: string }[]): string[] {
  return entries.flatMap(({ what, text }) => pieces.filter((piece) => text.includes(piece)).map((piece) => `${what}: ${JSON.stringify(piece)}`));
}

beforeAll(async () => {
  const config = join(home, 'source.json');
  const dsn = `postgres://reader:${encodeURIComponent(dsnPassword)}@db.internal:5432/app`;
  const write = (extra: Record<string, unknown>) =>
    writeFile(config, JSON.stringify({ api_token: token, credentials: { method: 'password', password }, rotate_to: rotated, dsn, ...extra }), { mode: 0o600 });
  const run = (format: string) => [
    'run', '--source', leakySource, '--dest', 'postgres', '--pipeline', pipeline, '--source-config', config,
    '--dest-config', JSON.stringify({ schema: freshSchema('leak') }), '--log-format', format, '--log-level', 'trace', '--plain',
  ];
  await write({ fail: true });
  runs.push(await sync('run 1, json', run('json')));
  // Run 2 reads back the token saved (encrypted) in run 1 and leaks that one too.
  runs.push(await sync('run 2, pretty', run('pretty')));
  await write({ bad_record: true });
  runs.push(await sync('run 3, a bad record line', run('json')));
}, 120_000);

it('runs the way a careless connector makes it: failed, failed, failed on its bad record line', () => {
  expect(runs.map((r) => r.exitCode)).toEqual([1, 1, 1]);
  const [first, second, third] = runs.map((r) => `${r.stderr}\n${r.stdout}`);
  expect(first).toMatch(/login refused for token=\[REDACTED\] password=\[REDACTED\]/);
  expect(second).toMatch(/using config saved by an earlier run \(api_token, leaked_note\)/);
  expect(third).toMatch(/^sync: error: .*line \d+.*\[REDACTED\]/m);
});

it('no secret in any output of sync run: every level, JSON or pretty, the error line', () => {
  expect(leaksIn(outputs)).toEqual([]);
  const all = outputs.map((o) => o.text).join('\n');
  // Every level of LOG, the stderr lines, the records' metadata never logged, the URL: masked, not dropped.
  for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']) expect(all).toContain(`${level} token=[REDACTED] password=[REDACTED]`);
  expect(all).toContain('reading with token=[REDACTED] password=[REDACTED]');
  expect(all).toContain('rotated to token=[REDACTED]');
  expect(all).toContain('connecting to postgres://reader:[REDACTED]@db.internal:5432/app');
  expect(all).toContain('dsn password alone: [REDACTED]');
});

it('no secret in sync runs list/show, text or --json; the stored errors are the masked ones', async () => {
  const listed = await sync('runs list --json', ['runs', 'list', '--pipeline', pipeline, '--json']);
  const ids = (JSON.parse(listed.stdout) as { id: string; error?: string }[]).map((r) => r.id);
  expect(ids).toHaveLength(3);
  await sync('runs list', ['runs', 'list', '--pipeline', pipeline]);
  for (const id of ids) {
    await sync(`runs show ${id}`, ['runs', 'show', id]);
    await sync(`runs show ${id} --json`, ['runs', 'show', id, '--json']);
  }
  expect(leaksIn(outputs)).toEqual([]);
  const errors = await query<{ error: string }>('select error from sync.runs where pipeline_id = $1 order by started_at', [pipeline]);
  expect(errors.map((r) => r.error)).toEqual([
    expect.stringContaining('login refused for token=[REDACTED] password=[REDACTED]'),
    expect.stringContaining('login refused for token=[REDACTED] password=[REDACTED]'),
    expect.stringContaining('[REDACTED]'),
  ]);
});

it('no secret in a pg_dump of the state store; the saved config is there, encrypted', async () => {
  const dump = await dumpSchema('sync');
  expect(leaksIn([{ what: 'pg_dump of sync', text: dump }])).toEqual([]);
  // The dump did hold this pipeline's rows: its runs' masked errors and its sealed config.
  expect(dump).toContain(pipeline);
  expect(dump).toContain('login refused for token=[REDACTED]');
  const [saved] = await query<{ changes: unknown; sealed_changes: string }>(
    'select changes, sealed_changes from sync.connector_config_updates where pipeline_id = $1',
    [pipeline],
  );
  expect(saved?.changes).toBeNull();
  expect(saved?.sealed_changes).toMatch(/^v1\.[0-9a-f]{16}\./);
  expect(dump).toContain(saved!.sealed_changes);
});

/**
 * The schema as pg_dump writes it (data included), with the pg_dump of the server's major version
 * or a newer one (pg_dump refuses a newer server). Where there is none (the embedded PostgreSQL 18 of
 * a run without DATABASE_URL, on a machine with Debian's PostgreSQL 15 tools), the same data is dumped
 * through SQL instead: every column of every row of every table in the schema, as text.
 */
async function dumpSchema(schema: string): Promise<string> {
  const [{ version }] = (await query<{ version: string }>("select current_setting('server_version_num') as version")) as [{ version: string }];
  const major = Math.floor(Number(version) / 10000);
  const installed = existsSync('/usr/lib/postgresql') ? await readdir('/usr/lib/postgresql') : [];
  const usable = installed.map(Number).filter((v) => v >= major).sort((a, b) => a - b);
  const bin = usable.map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`).find((path) => existsSync(path));
  if (!bin) return sqlDump(schema);
  const result = await execa(bin, ['--dbname', databaseUrl(), '--schema', schema, '--no-owner'], { extendEnv: false, env: { PATH: process.env.PATH } });
  return result.stdout;
}

/** Every row of every table of `schema`, one line each (`row::text`, as COPY would write it), under a line naming its table. */
async function sqlDump(schema: string): Promise<string> {
  const tables = await query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1",
    [schema],
  );
  expect(tables.length).toBeGreaterThan(0);
  const lines: string[] = [];
  for (const { name } of tables) {
    lines.push(`-- table ${schema}.${name}`);
    const rows = await query<{ row: string }>(`select t::text as row from "${schema}"."${name.replaceAll('"', '""')}" t`);
    lines.push(...rows.map((r) => r.row));
  }
  return lines.join('\n');
}
