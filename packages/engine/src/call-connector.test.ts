import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorFailure, callConnector, discoverCatalog } from './call-connector.ts';
import type { ConnectorCommand } from './connector-command.ts';

/** A connector written as a few lines of JavaScript, run with this Node. */
let dir: string;
async function script(name: string, body: string): Promise<ConnectorCommand> {
  const file = join(dir, `${name}.mjs`);
  await writeFile(file, body);
  return { name, file: process.execPath, args: [file] };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-call-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('callConnector', () => {
  it('returns the catalog a connector discovers', async () => {
    const catalog = { streams: [{ name: 'a', json_schema: {}, supported_sync_modes: ['full_refresh'] }] };
    const connector = await script('good', `console.log(JSON.stringify({ type: 'CATALOG', catalog: ${JSON.stringify(catalog)} }));`);
    expect(await discoverCatalog(connector, '/dev/null')).toEqual(catalog);
  });

  it("reports the connector's own TRACE ERROR with its failure_type", async () => {
    const connector = await script(
      'traced',
      `console.log(JSON.stringify({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'bad key', failure_type: 'config_error' } } })); process.exitCode = 1;`,
    );
    const error = await callConnector(connector, ['check']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error).toMatchObject({ message: 'traced: bad key', failureType: 'config_error' });
  });

  it('reports a crash with its exit code and last stderr line', async () => {
    const connector = await script('crashy', `console.error('warming up'); console.error('out of cheese'); process.exit(7);`);
    await expect(callConnector(connector, ['spec'])).rejects.toThrow('crashy: exited with code 7: out of cheese');
  });

  it('takes stdout lines that are not JSON as logs, as Airbyte does', async () => {
    const connector = await script('chatty', `console.log('Starting up...'); console.log(JSON.stringify({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }));`);
    expect(await callConnector(connector, ['check'])).toEqual([
      { type: 'LOG', log: { level: 'INFO', message: 'Starting up...' } },
      { type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } },
    ]);
  });

  it('reports a line that looks like JSON but is not a message, with the line number', async () => {
    const connector = await script('broken', `console.log('{"type": "SPEC", oops');`);
    await expect(callConnector(connector, ['spec'])).rejects.toThrow(/^broken: line 1: not valid JSON/);
  });

  it('reports a discover that prints no catalog', async () => {
    const connector = await script('silent', '');
    await expect(discoverCatalog(connector, '/dev/null')).rejects.toThrow('silent: discover printed no CATALOG message');
  });

  it('stops a command that runs past its timeout, naming the command and the flag that raises it', async () => {
    const connector = await script('stuck', 'setInterval(() => {}, 1000);');
    const error = await callConnector(connector, ['discover', '--config', '/dev/null'], { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailure);
    expect(error).toMatchObject({
      message: 'stuck: `discover` did not finish within 50ms (connector command timeout; raise it with --command-timeout)',
      failureType: 'transient_error',
    });
  });

  it('stops a command when the signal aborts', async () => {
    const connector = await script('stuck-too', 'console.log(JSON.stringify({ type: "LOG", log: { level: "INFO", message: "started" } })); setInterval(() => {}, 1000);');
    const abort = new AbortController();
    const call = callConnector(connector, ['check'], { timeoutMs: 0, signal: abort.signal });
    abort.abort();
    await expect(call).rejects.toThrow('stuck-too: `check` was interrupted');
  });

  it('stops reading a command that prints more than it may', async () => {
    const log = JSON.stringify({ type: 'LOG', log: { level: 'INFO', message: 'x'.repeat(1000) } });
    const connector = await script('looping', `const line = ${JSON.stringify(log)} + '\\n'; for (;;) if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));`);
    await expect(callConnector(connector, ['spec'], { maxOutputBytes: 100_000 })).rejects.toThrow(
      'looping: `spec` printed more than 100000 bytes of messages; the engine stopped reading it (is it stuck in a loop?)',
    );
  });
});
