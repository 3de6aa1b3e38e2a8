import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readConfigInput } from './config-input.ts';

it('reads inline JSON, a JSON file, or nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sync-cfg-'));
  try {
    await writeFile(join(dir, 'c.json'), '{"schema":"x"}');
    expect(await readConfigInput('--dest-config', ' {"count": 3}')).toEqual({ count: 3 });
    expect(await readConfigInput('--dest-config', join(dir, 'c.json'))).toEqual({ schema: 'x' });
    expect(await readConfigInput('--dest-config', undefined)).toBeUndefined();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('names the flag and the problem', async () => {
  await expect(readConfigInput('--source-config', '/nope/s.json')).rejects.toThrow(/^--source-config: cannot read \/nope\/s\.json: ENOENT/);
  await expect(readConfigInput('--source-config', '{"a":')).rejects.toThrow(/^--source-config: the inline config is not valid JSON/);
  await expect(readConfigInput('--source-config', '{"a": 1} trailing')).rejects.toThrow(/not valid JSON/);
});

it('never quotes the config in its error: it may hold a secret', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sync-cfg-'));
  try {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"api_key": sk_live_quoted_nowhere}');
    await expect(readConfigInput('--source-config', file)).rejects.toThrow(`--source-config: ${file} is not valid JSON (not quoted here, as a config may hold secrets: \`jq . ${file}\` shows where)`);
    const inline = readConfigInput('--source-config', '{"api_key": sk_live_quoted_nowhere}');
    await expect(inline).rejects.toThrow(/^--source-config: the inline config is not valid JSON \(not quoted here/);
    await expect(inline).rejects.not.toThrow(/sk_live/);
    await expect(readConfigInput('--source-config', '{"api_key": "sk_live_x" "b": 1}')).rejects.toThrow(/^--source-config: the inline config is not valid JSON at character \d+ /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
