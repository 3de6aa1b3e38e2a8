import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { actorOf, loadApiToken, tokenFile } from './auth.ts';

const home = await mkdtemp(join(tmpdir(), 'server-auth-test-'));
afterAll(() => rm(home, { recursive: true, force: true }));

describe('loadApiToken', () => {
  it('makes a random token in $SYNC_HOME/api-token, mode 0600, and reads the same one next time', async () => {
    const made = await loadApiToken({}, home);
    expect(made).toMatchObject({ origin: 'file', path: tokenFile(home), created: true });
    expect(made.token.length).toBeGreaterThanOrEqual(40);
    expect((await stat(tokenFile(home))).mode & 0o777).toBe(0o600);
    expect((await readFile(tokenFile(home), 'utf8')).trim()).toBe(made.token);
    const again = await loadApiToken({}, home);
    expect(again).toEqual({ token: made.token, origin: 'file', path: tokenFile(home) });
  });

  it('prefers SYNC_API_TOKEN, and refuses a short one', async () => {
    expect(await loadApiToken({ SYNC_API_TOKEN: 'a-long-enough-token-value' }, home)).toEqual({ token: 'a-long-enough-token-value', origin: 'env' });
    await expect(loadApiToken({ SYNC_API_TOKEN: 'short' }, home)).rejects.toThrow(/shorter than 16/);
  });
});

describe('actorOf', () => {
  it('names a token by a prefix of its sha256, never the token', () => {
    const actor = actorOf('secret-token-value-123');
    expect(actor).toMatch(/^token:[0-9a-f]{12}$/);
    expect(actor).not.toContain('secret');
  });
});
