import { appendFile, chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandString } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandWords, resolveConnector, type BuiltinConnectors } from './connector-command.ts';

const builtins: BuiltinConnectors = {
  source: { stripe: '/opt/sync/source-stripe.js' },
  destination: {
    postgres: { bin: '/opt/sync/destination-postgres.js', version: 'sha256:abc' },
    sheets: { bin: '/opt/sync/destination-google-sheets.js', version: 'sha256:def', nodeOptions: ['--optimize-for-size'] },
  },
};

describe('resolveConnector', () => {
  let bin: string;
  let savedPath: string | undefined;

  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'sync-path-'));
    await writeFile(join(bin, 'source-acme'), '#!/bin/sh\n');
    await chmod(join(bin, 'source-acme'), 0o755);
    await writeFile(join(bin, 'destination-noexec'), '#!/bin/sh\n'); // not executable: not a connector
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    await rm(bin, { recursive: true, force: true });
  });

  it('runs a built-in connector with this Node, versioned when its table gives a version', () => {
    expect(resolveConnector('source', 'stripe', builtins)).toEqual({
      name: 'source-stripe',
      file: process.execPath,
      args: ['/opt/sync/source-stripe.js'],
    });
    expect(resolveConnector('destination', 'postgres', builtins)).toEqual({
      name: 'destination-postgres',
      file: process.execPath,
      args: ['/opt/sync/destination-postgres.js'],
      version: 'sha256:abc',
    });
    expect(resolveConnector('destination', 'sheets', builtins).args).toEqual(['--optimize-for-size', '/opt/sync/destination-google-sheets.js']);
  });

  it('finds source-<name> on PATH, versioned by its resolved path, size and modification time', async () => {
    const found = resolveConnector('source', 'acme', builtins);
    expect(found).toEqual({ name: 'source-acme', file: join(bin, 'source-acme'), args: [], version: expect.any(String) });
    expect(found.version).toContain(await realpath(join(bin, 'source-acme')));
    expect(resolveConnector('source', 'acme', builtins).version).toBe(found.version);
    await appendFile(join(bin, 'source-acme'), 'exit 0\n');
    expect(resolveConnector('source', 'acme', builtins).version).not.toBe(found.version);
  });

  it('takes anything else as a command line, quotes respected, with no version (its spec is never cached)', () => {
    expect(resolveConnector('destination', 'noexec', builtins)).toEqual({ name: 'noexec', file: 'noexec', args: [] });
    expect(resolveConnector('source', 'python3 my_source.py --fast', builtins)).toEqual({
      name: 'python3 my_source.py --fast',
      file: 'python3',
      args: ['my_source.py', '--fast'],
    });
  });

  it('refuses an empty name', () => {
    expect(() => resolveConnector('source', '  ', builtins)).toThrow('no source given');
  });
});

describe('commandWords', () => {
  it('splits a command line as execa did (the engine used its parseCommandString before)', () => {
    const lines = [
      'python3 my_source.py --fast',
      '  node   connector.js  read ',
      'my\\ connector --config a\\ b.json',
      'trailing\\ ',
      'trailing\\  ',
      'a\\\\ b',
      'tab\tinside word',
      'x',
      '',
      '   ',
    ];
    for (const line of lines) expect(commandWords(line), JSON.stringify(line)).toEqual(parseCommandString(line));
    expect(commandWords('my\\ source.py --a')).toEqual(['my source.py', '--a']);
  });
});
