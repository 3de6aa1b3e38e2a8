import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { createPrivateDir, OWNER_FILE, removeStaleDirs } from './private-dir.ts';

const root = await mkdtemp(join(tmpdir(), 'private-dir-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

it('keeps connector configs private: directory 0700, files 0600, removed afterwards', async () => {
  const dir = await createPrivateDir('sync-test-', root);
  const file = await dir.writeJson('config.json', { api_key: 'sk_live_secret' });
  expect((await stat(dir.path)).mode & 0o777).toBe(0o700);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ api_key: 'sk_live_secret' });
  const text = await dir.writeText('input.ndjson', '{"a":1}\n');
  expect((await stat(text)).mode & 0o777).toBe(0o600);
  expect(await readFile(text, 'utf8')).toBe('{"a":1}\n');
  expect(await readFile(join(dir.path, OWNER_FILE), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
  await dir.remove();
  expect(existsSync(dir.path)).toBe(false);
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', '']);
  await child;
  return child.pid!;
}

it('removes the directories of dead owners at the next start, and only those', async () => {
  const dead = await createPrivateDir('sync-run-', root);
  await dead.writeJson('source-config.json', { api_key: 'sk_left_behind' });
  await writeFile(join(dead.path, OWNER_FILE), `${await deadPid()} ${hostname()}\n`);
  const alive = await createPrivateDir('sync-run-', root);
  const otherHost = await createPrivateDir('sync-run-', root);
  await writeFile(join(otherHost.path, OWNER_FILE), `${await deadPid()} another-host\n`);
  // An older version's directory (no owner file): removed only when old and holding only run files.
  const legacyOld = join(root, 'sync-run-legacy1');
  const legacyNew = join(root, 'sync-run-legacy2');
  const foreign = join(root, 'sync-run-foreign');
  for (const dir of [legacyOld, legacyNew, foreign]) await mkdir(dir);
  await writeFile(join(legacyOld, 'source-config.json'), '{}');
  await writeFile(join(legacyNew, 'source-config.json'), '{}');
  await writeFile(join(foreign, 'notes.txt'), 'not ours');
  const old = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
  await utimes(legacyOld, old, old);
  await utimes(foreign, old, old);

  const fresh = await createPrivateDir('sync-run-', root);
  expect(existsSync(dead.path)).toBe(false);
  expect(existsSync(legacyOld)).toBe(false);
  for (const kept of [alive.path, otherHost.path, legacyNew, foreign, fresh.path]) expect(existsSync(kept), kept).toBe(true);
  expect(await removeStaleDirs('sync-run-', root)).toEqual([]);
});
