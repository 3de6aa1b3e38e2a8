import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectorEnvironment } from '@sync/engine';
import { ConnectorRun, howItEnded } from './connector-run.ts';
import { formatReport, passed } from './report.ts';
import { startService } from './setup-service.ts';
import { testConnector } from './test-connector.ts';

const pagedSource = join(import.meta.dirname, '../fixtures/paged-source.mjs');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-connector-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** False once `pid` has exited (gone, or a zombie nobody reaped yet). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('the suite runs a connector as a sync run does', () => {
  // The paged source, behind a shell that fails every command when it can see SYNC_TEST_SECRET.
  const guarded = (secretVisible: string) => [
    'sh',
    '-c',
    `if [ -n "$SYNC_TEST_SECRET" ]; then echo "${secretVisible}" >&2; exit 3; fi; exec "${process.execPath}" "${pagedSource}" "$@"`,
    'paged-source',
  ];

  it("gives the connector the allow-listed environment, not the caller's", async () => {
    const file = join(dir, 'env.json');
    await writeFile(file, JSON.stringify({ kind: 'source', config: { count: 5, page_size: 2 }, badConfig: { count: -1 } }));
    const env = { ...process.env, SYNC_TEST_SECRET: 'do-not-leak' };
    const report = await testConnector({ command: guarded('saw SYNC_TEST_SECRET'), file, env });
    expect(passed(report), formatReport(report)).toBe(true);

    // Passed on purpose, as with `sync run --pass-env`, the connector sees it.
    const passing = await testConnector({ command: guarded('saw SYNC_TEST_SECRET'), file, env, passEnv: ['SYNC_TEST_SECRET'] });
    expect(formatReport(passing)).toContain('the command should exit 0; it ended with exit 3\n      stderr: saw SYNC_TEST_SECRET');
  });

  it('stops a command that outlives its time limit, with everything it started', async () => {
    const connector = { command: { name: 'slow', file: 'sh', args: ['-c', 'sleep 300 & echo "$!"; wait'] }, cwd: dir, env: connectorEnvironment(process.env) };
    // Long enough for sh to start and print on a loaded machine; the sleep would outlast any test.
    const run = new ConnectorRun(connector, [], 2_000);
    const output = await run.done;
    expect(howItEnded(output)).toBe('timed out (killed)');
    await vi.waitFor(() => expect(running(Number(output.lines[0]!.text))).toBe(false));
  });

  it('reports a command that cannot start', async () => {
    const connector = { command: { name: 'missing', file: join(dir, 'no-such-connector'), args: [] }, cwd: dir, env: connectorEnvironment(process.env) };
    const output = await new ConnectorRun(connector, ['spec'], 60_000).done;
    expect(howItEnded(output)).toBe('exit 127');
    expect(output.stderr).toEqual([expect.stringMatching(/^cannot start .*no-such-connector: .*ENOENT/)]);
  });
});

describe('setup service', () => {
  it('is ready on its line, hands over the named groups, and stops with what it started', async () => {
    const service = await startService({ command: 'sleep 300 & echo "ready: pid $!" >&2; wait', ready: 'ready: pid (?<pid>\\d+)' }, dir, process.env, 60_000);
    const pid = Number(service.vars.pid);
    expect(running(pid)).toBe(true);
    service.stop();
    await vi.waitFor(() => expect(running(pid)).toBe(false));
  });

  it('says what the command printed when it exits before it is ready', async () => {
    await expect(startService({ command: 'echo warming up; echo no port >&2; exit 4', ready: 'listening' }, dir, process.env, 60_000)).rejects.toThrow(
      /^setup command "echo warming up; echo no port >&2; exit 4" exited \(code 4\) before it was ready; it printed:\n(warming up\nno port|no port\nwarming up)$/,
    );
  });
});
