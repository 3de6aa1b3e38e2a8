import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createPrivateDir } from './private-dir.ts';

it('keeps connector configs private: directory 0700, files 0600, removed afterwards', async () => {
  const dir = await createPrivateDir('sync-test-');
  const file = await dir.writeJson('config.json', { api_key: 'sk_live_secret' });
  expect((await stat(dir.path)).mode & 0o777).toBe(0o700);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ api_key: 'sk_live_secret' });
  await dir.remove();
  expect(existsSync(dir.path)).toBe(false);
});
