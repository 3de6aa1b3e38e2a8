import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { keyId } from './secret-box.ts';
import { secretKeySource } from './secret-key.ts';

const dir = await mkdtemp(join(tmpdir(), 'secret-key-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

it('creates the key file only when asked, mode 0600, once even when asked at the same time', async () => {
  const file = join(dir, 'home', 'secret.key');
  const source = secretKeySource({ file });
  expect(await source.load()).toBeUndefined();
  const rings = await Promise.all([1, 2, 3].map(() => secretKeySource({ file }).loadOrCreate()));
  expect(new Set(rings.map((r) => r.currentId)).size).toBe(1);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await source.load())?.currentId).toBe(rings[0]!.currentId);
});

it('refuses a key file other users can read', async () => {
  const file = join(dir, 'open.key');
  await secretKeySource({ file }).loadOrCreate();
  await chmod(file, 0o644);
  await expect(secretKeySource({ file }).load()).rejects.toThrow(`the key file ${file} can be read by other users (mode 644): run \`chmod 600 ${file}\``);
});

it('takes SYNC_SECRET_KEY over the file, NEW,OLD during a rotation, and never writes a file for it', async () => {
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const file = join(dir, 'unused.key');
  const source = secretKeySource({ value: `${b.toString('base64')},${a.toString('hex')}`, file });
  const ring = await source.loadOrCreate();
  expect(ring.ids).toEqual([keyId(b), keyId(a)]);
  expect(source.fromEnvironment).toBe(true);
  await expect(stat(file)).rejects.toThrow(/ENOENT/);
  expect(() => secretKeySource({ value: 'not-a-key', file })).toThrow(/SYNC_SECRET_KEY is not a secret key/);
});

it('rotates a key file: a new current key with the old one readable, then the old one dropped', async () => {
  const file = join(dir, 'rotate.key');
  const source = secretKeySource({ file });
  const before = await source.loadOrCreate();
  const during = await source.beginRotation();
  expect(during.ids).toEqual([during.currentId, before.currentId]);
  expect(during.currentId).not.toBe(before.currentId);
  // Interrupted and started again: the same rotation goes on, no third key.
  expect((await source.beginRotation()).ids).toEqual(during.ids);
  await source.finishRotation();
  expect((await source.load())?.ids).toEqual([during.currentId]);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(await readFile(file, 'utf8')).toMatch(/^# sync secret key/);
});
