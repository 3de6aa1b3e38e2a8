/**
 * The secret search of the HTTP API tests (issue 14: "no secret in any response body, log line or
 * pg_dump"): every secret value of a test file (Stripe API key, webhook signing secret, the
 * destination role's password, the bearer token) is looked for in every answer the client received
 * (status line, headers, body), in everything `sync serve` printed, and in a pg_dump of the whole
 * test database (state store, job queue and destination tables).
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import type { ApiHarness } from './api-harness.ts';
import type { TestDatabase } from './api-server.ts';

/** What the search read, and what it found. */
export interface SecretSearch {
  /** `<where>: <piece>` for each piece of a secret found; empty when nothing leaked. */
  leaks: string[];
  /** The database dump that was searched. */
  dump: string;
}

/**
 * The pieces of `secret` to look for: the whole value, and every 12 characters in a row of its
 * random part (hex, 16 characters or more, at its end, as in every secret the harness makes), so a
 * secret cut short (`sk_test_3f9a…`) is found too, while nothing else can match by chance (16^12
 * values). JSON and URL encoding leave these characters as they are.
 *
 * @throws Error for a secret without such a part (it could match ordinary text by chance).
 */
function piecesOf(secret: string): string[] {
  const random = /[0-9a-f]{16,}$/.exec(secret)?.[0];
  if (!random) throw new Error(`secret ${JSON.stringify(secret.slice(0, 4))}… has no random hex part of 16 or more characters at its end to search for`);
  return [secret, ...Array.from({ length: random.length - 11 }, (_, i) => random.slice(i, i + 12))];
}

/**
 * Searches the harness's answers, the server's output (stop the server first, so its last lines are
 * in) and a dump of its database for the harness's secrets and `more`.
 */
export async function searchForSecrets(h: ApiHarness, more: readonly string[] = []): Promise<SecretSearch> {
  const dump = await dumpDatabase(h.db);
  const places = [
    ...h.client.received.map((text) => ({ what: `answer to ${text.slice(0, text.indexOf('\n'))}`, text })),
    { what: 'sync serve stdout and stderr', text: h.server.output() },
    { what: 'pg_dump', text: dump },
  ];
  const pieces = [...h.secrets(), ...more].flatMap(piecesOf);
  const leaks = places.flatMap(({ what, text }) => pieces.filter((piece) => text.includes(piece)).map((piece) => `${what}: ${piece}`));
  return { leaks: [...new Set(leaks)], dump };
}

/**
 * The whole database as pg_dump writes it (data included), with a pg_dump of the server's major
 * version or newer (pg_dump refuses a newer server). Without one (the embedded PostgreSQL 18 of a
 * run without DATABASE_URL, next to Debian's PostgreSQL 15 tools), the same data through SQL: every
 * row of every table outside the system schemas, as text, under a line naming its table.
 */
export async function dumpDatabase(db: TestDatabase): Promise<string> {
  const [setting] = await db.query<{ version: string }>("select current_setting('server_version_num') as version");
  const major = Math.floor(Number(setting!.version) / 10000);
  const installed = existsSync('/usr/lib/postgresql') ? await readdir('/usr/lib/postgresql') : [];
  const bin = installed
    .map(Number)
    .filter((v) => v >= major)
    .sort((a, b) => a - b)
    .map((v) => `/usr/lib/postgresql/${v}/bin/pg_dump`)
    .find((path) => existsSync(path));
  if (bin) return (await execa(bin, ['--dbname', db.adminUrl, '--no-owner'], { extendEnv: false, env: { PATH: process.env.PATH } })).stdout;
  const tables = await db.query<{ schema: string; name: string }>(
    "select table_schema as schema, table_name as name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1, 2",
  );
  const lines: string[] = [];
  for (const { schema, name } of tables) {
    const quoted = `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"`;
    lines.push(`-- table ${quoted}`, ...(await db.query<{ row: string }>(`select t::text as row from ${quoted} t`)).map((r) => r.row));
  }
  return lines.join('\n');
}
