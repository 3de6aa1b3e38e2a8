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
  await expect(readConfigInput('--source-config', '{"a":')).rejects.toThrow(/^--source-config: inline is not valid JSON/);
  await expect(readConfigInput('--source-config', '{"a": 1} trailing')).rejects.toThrow(/not valid JSON/);
});
