import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { keyId, parseSecretKey, SecretKeyError, SecretKeyring } from './secret-box.ts';

const a = randomBytes(32);
const b = randomBytes(32);

it('seals into a v1 envelope naming the key, and opens only with the same key and context', () => {
  const ring = new SecretKeyring([a], 'test');
  const sealed = ring.seal('{"token":"tok-1"}', 'ctx:1');
  const [version, id, iv, tag, ciphertext] = sealed.split('.');
  expect([version, id]).toEqual(['v1', keyId(a)]);
  expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
  expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
  expect(sealed).not.toContain('tok-1');
  expect(Buffer.from(ciphertext!, 'base64url').toString()).not.toContain('tok-1');
  expect(ring.open(sealed, 'ctx:1')).toBe('{"token":"tok-1"}');
  expect(ring.seal('same', 'ctx:1')).not.toBe(ring.seal('same', 'ctx:1')); // a fresh iv each time
  expect(() => ring.open(sealed, 'ctx:2')).toThrow(/ctx:2 does not decrypt with key .*changed or damaged/);
  // The ciphertext's first character: all its 6 bits are data (the last one's low bits can be padding, which decoding ignores).
  const at = sealed.lastIndexOf('.') + 1;
  const flipped = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
  expect(() => ring.open(flipped, 'ctx:1')).toThrow(SecretKeyError);
});

it('names the missing key when the ring does not hold it, and opens with an older key of the ring', () => {
  const sealed = new SecretKeyring([a], 'old').seal('x', 'ctx');
  expect(() => new SecretKeyring([b], 'SYNC_SECRET_KEY').open(sealed, 'ctx')).toThrow(
    new RegExp(`encrypted with key ${keyId(a)}, which SYNC_SECRET_KEY does not hold \\(it holds ${keyId(b)}\\)`),
  );
  const rotating = new SecretKeyring([b, a], 'file');
  expect(rotating.currentId).toBe(keyId(b));
  expect(rotating.open(sealed, 'ctx')).toBe('x');
});

it('reads a key as base64 or hex, and refuses anything else', () => {
  expect(parseSecretKey(a.toString('base64'), 'k')).toEqual(a);
  expect(parseSecretKey(` ${a.toString('hex')}\n`, 'k')).toEqual(a);
  expect(parseSecretKey(a.toString('base64url'), 'k')).toEqual(a);
  for (const bad of ['', 'hunter2', randomBytes(16).toString('base64'), randomBytes(33).toString('hex')]) {
    expect(() => parseSecretKey(bad, 'SYNC_SECRET_KEY')).toThrow(/SYNC_SECRET_KEY is not a secret key: expected 32 bytes as base64 or hex/);
  }
});
