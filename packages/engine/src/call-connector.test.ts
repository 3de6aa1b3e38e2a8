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
});
