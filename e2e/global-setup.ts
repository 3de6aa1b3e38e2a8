/**
 * Builds the executables first (scripts/build.js), so that the CLI and the connectors the tests start
 * are bundles of the sources under test, as `pnpm install` leaves them for a user.
 *
 * Gives every test file a real Postgres: the one at `DATABASE_URL` when set (CI starts a throwaway
 * cluster), else an embedded one started here for the length of the test run. Tests read the URL with
 * `inject('databaseUrl')`. An unreachable `DATABASE_URL` fails the whole run at once, loudly.
 *
 * The dashboard's browser test needs Debian's chromium (support/browser.ts). On a machine without it,
 * run as root with apt-get (a fresh machine here, CI), it is installed once, as .ci/run does, so that
 * the README's `pnpm test` passes there; elsewhere the browser test says what to install.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build.js'), '--quiet'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`building the executables failed (node scripts/build.js exited with ${String(build.status)})`);
  installChromium();
  let url = process.env.DATABASE_URL;
  let teardown = async () => {};
  if (!url) {
    const home = await mkdtemp(join(tmpdir(), 'sync-test-pg-'));
    const db = await startEmbeddedInChild(home);
    url = db.url;
    teardown = async () => {
      await db.stop();
      await rm(home, { recursive: true, force: true });
    };
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`tests need Postgres, and ${redact(url)} did not answer: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  project.provide('databaseUrl', url);
  return teardown;
}

/** Installs Debian's chromium for the browser test when it is missing and this is root with apt-get. */
function installChromium(): void {
  if (process.env.CHROMIUM_PATH || existsSync('/usr/bin/chromium') || process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return;
  process.stderr.write('installing chromium for the dashboard\'s browser test (apt-get install -y chromium), once for this machine\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (install.status !== 0) process.stderr.write(`apt-get install chromium exited with ${String(install.status)}: the browser test will say what is missing\n`);
}

/**
 * Starts the embedded server in a child process (support/embedded-postgres-child.ts), so that its exit
 * hooks cannot set this process's exit code. Stops it by closing the child's stdin.
 */
async function startEmbeddedInChild(home: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const script = join(import.meta.dirname, 'support', 'embedded-postgres-child.ts');
  const child = spawn(process.execPath, [script, home], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(([code]) => {
      throw new Error(`the embedded Postgres for the tests did not start (exit code ${String(code)})`);
    }),
  ]);
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
