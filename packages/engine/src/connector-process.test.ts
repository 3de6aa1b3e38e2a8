import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MAX_LINE_BYTES, ProtocolError } from '@sync/protocol';
import { truncationMarker } from './bounded-lines.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { spawnConnector, type ConnectorLine } from './connector-process.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-process-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function connector(name: string, file: string, body: string, run: string): Promise<ConnectorCommand> {
  const path = join(dir, file);
  await writeFile(path, body);
  return { name, file: run, args: [path] };
}

/** False once `pid` has exited (gone, or a zombie nobody reaped yet). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The messages of a connector, in order, until its stdout ends or `until` says stop. */
async function read(lines: AsyncIterable<ConnectorLine>, until: (line: ConnectorLine) => boolean = () => false): Promise<ConnectorLine[]> {
  const seen: ConnectorLine[] = [];
  for await (const line of lines) {
    seen.push(line);
    if (until(line)) break;
  }
  return seen;
}

describe('spawnConnector process groups', () => {
  it('kills what the connector started along with it', async () => {
    // A shell connector that starts a grandchild, says its pid (a non-JSON line: an INFO log), and waits.
    const shell = await connector('shell-source', 'waits.sh', 'sleep 300 &\necho "$!"\nwait\n', 'bash');
    const child = spawnConnector(shell, { args: ['read'], stdin: 'ignore' });
    const [first] = await read(child.lines, () => true);
    const grandchild = Number(first!.line);
    expect(running(grandchild)).toBe(true);
    child.kill();
    expect(await child.exited).toEqual({ exitCode: undefined, signal: 'SIGTERM', timedOut: false });
    await vi.waitFor(() => expect(running(grandchild)).toBe(false));
  });

  it('kills what a connector left behind when it exits, so its output ends', async () => {
    // The grandchild keeps the connector's stdout open: without the group kill, stdout would never end.
    const shell = await connector('leaky-source', 'leaves.sh', 'sleep 300 &\necho "$!"\nexit 0\n', 'bash');
    const child = spawnConnector(shell, { args: ['read'], stdin: 'ignore' });
    const lines = await read(child.lines);
    expect(await child.exited).toEqual({ exitCode: 0, signal: undefined, timedOut: false });
    await vi.waitFor(() => expect(running(Number(lines[0]!.line))).toBe(false));
  });
});

describe('spawnConnector time limit, working directory and raw lines', () => {
  it('stops a connector that outlives its time limit, with what it started, and says so', async () => {
    const shell = await connector('slow-source', 'slow.sh', 'sleep 300 &\necho "$!"\nwait\n', 'bash');
    // Long enough for bash to start and print on a loaded machine; the sleep would outlast any test.
    const child = spawnConnector(shell, { args: ['read'], stdin: 'ignore', timeoutMs: 2_000 });
    const lines = await read(child.lines);
    expect(await child.exited).toEqual({ exitCode: undefined, signal: 'SIGTERM', timedOut: true });
    await vi.waitFor(() => expect(running(Number(lines[0]!.line))).toBe(false));
  });

  it('runs in the given directory and hands over stdout lines undecoded', async () => {
    const shell = await connector('raw-source', 'raw.sh', 'pwd\necho "{not json"\necho\necho "{}"\n', 'bash');
    const child = spawnConnector(shell, { args: [], stdin: 'ignore', cwd: dir });
    const lines = [];
    for await (const line of child.rawLines) lines.push(line);
    expect(lines).toEqual([
      { lineNumber: 1, line: dir },
      { lineNumber: 2, line: '{not json' },
      { lineNumber: 4, line: '{}' },
    ]);
    expect(await child.exited).toEqual({ exitCode: 0, signal: undefined, timedOut: false });
  });

  it('reports a command that cannot start as a shell would: exit 127 and why on stderr', async () => {
    const seen: string[] = [];
    const child = spawnConnector({ name: 'missing', file: join(dir, 'no-such-connector'), args: [] }, { args: ['spec'], stdin: 'ignore', onStderr: (line) => seen.push(line) });
    await read(child.lines);
    expect(await child.exited).toEqual({ exitCode: 127, signal: undefined, timedOut: false });
    expect(seen).toEqual([`cannot start ${join(dir, 'no-such-connector')}: spawn ${join(dir, 'no-such-connector')} ENOENT`]);
    expect(child.stderrTail()).toEqual(seen);
  });

  it('reports a file that is not executable as a shell would: exit 126 and why on stderr', async () => {
    const file = join(dir, 'not-executable');
    await writeFile(file, '#!/bin/sh\necho hi\n');
    const seen: string[] = [];
    const child = spawnConnector({ name: 'noexec', file, args: [] }, { args: ['spec'], stdin: 'ignore', onStderr: (line) => seen.push(line) });
    await read(child.lines);
    expect(await child.exited).toEqual({ exitCode: 126, signal: undefined, timedOut: false });
    expect(seen).toEqual([`cannot start ${file}: spawn ${file} EACCES`]);
  });

  it('says how a connector ended: its exit code, or the signal that killed it', async () => {
    const exits = await connector('exits', 'exits.sh', 'exit 3\n', 'bash');
    const failed = spawnConnector(exits, { args: [], stdin: 'ignore' });
    await read(failed.lines);
    expect(await failed.exited).toEqual({ exitCode: 3, signal: undefined, timedOut: false });
    const killed = await connector('killed', 'killed.sh', 'kill -TERM $$\n', 'bash');
    const child = spawnConnector(killed, { args: [], stdin: 'ignore' });
    await read(child.lines);
    expect(await child.exited).toEqual({ exitCode: undefined, signal: 'SIGTERM', timedOut: false });
  });
});

describe('spawnConnector output limits', () => {
  it('cuts a long stderr line with a marker, and keeps only the last lines', async () => {
    const noisy = await connector(
      'noisy',
      'noisy.mjs',
      `process.stderr.write('e'.repeat(1024 * 1024) + '\\n');
       for (let i = 1; i <= 30; i++) process.stderr.write('line ' + i + '\\n');`,
      process.execPath,
    );
    const seen: string[] = [];
    const child = spawnConnector(noisy, { args: ['spec'], stdin: 'ignore', onStderr: (line) => seen.push(line) });
    await read(child.lines);
    await child.exited;
    expect(seen[0]).toBe(`${'e'.repeat(8 * 1024)}${truncationMarker(1024 * 1024 - 8 * 1024)}`);
    expect(seen).toHaveLength(31);
    expect(child.stderrTail()).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
  });

  it('fails on a 100 MB stdout line without a newline at the 64 MiB cap, naming the connector and line', async () => {
    const flood = await connector(
      'flood',
      'flood.mjs',
      `import { once } from 'node:events';
       process.stdout.write(JSON.stringify({ type: 'LOG', log: { level: 'INFO', message: 'hello' } }) + '\\n');
       const mib = Buffer.alloc(1024 * 1024, 0x61);
       for (let i = 0; i < 100; i++) if (!process.stdout.write(mib)) await once(process.stdout, 'drain');`,
      process.execPath,
    );
    const child = spawnConnector(flood, { args: ['read'], stdin: 'ignore' });
    const seen: ConnectorLine[] = [];
    const error = await (async () => {
      for await (const line of child.lines) seen.push(line);
    })().catch((e: unknown) => e);
    child.kill();
    await child.exited;
    expect(seen.map((l) => l.message)).toEqual([{ type: 'LOG', log: { level: 'INFO', message: 'hello' } }]);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toMatch(new RegExp(`^flood: line 2: line longer than the maximum of ${DEFAULT_MAX_LINE_BYTES} bytes`));
  });
});
