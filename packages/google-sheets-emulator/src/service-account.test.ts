import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsEmulator, type SheetsEmulator } from './index.ts';
import { SHEETS_SCOPE } from './service-account.ts';

const EMAIL = 'writer@project.iam.gserviceaccount.com';
const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

let sheets: SheetsEmulator;
let spreadsheetId: string;
beforeAll(async () => {
  sheets = await startSheetsEmulator({ serviceAccounts: { [EMAIL]: account.publicKey.export({ type: 'spki', format: 'pem' }) as string } });
  spreadsheetId = sheets.createSpreadsheet('sa', ['t']);
});
afterAll(() => sheets?.close());

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = () => Math.floor(Date.now() / 1000);

/** A self-signed JWT as google-auth-library's JWTAccess makes it, with `claims` overriding the defaults. */
function jwt(claims: Record<string, unknown> = {}, options: { key?: KeyObject; alg?: string } = {}): string {
  const iat = nowS();
  const header = base64url({ alg: options.alg ?? 'RS256', typ: 'JWT', kid: 'key-1' });
  const payload = base64url({ iss: EMAIL, sub: EMAIL, scope: SHEETS_SCOPE, iat, exp: iat + 3600, ...claims });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), options.key ?? account.privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

async function get(token: string): Promise<{ status: number; body: { error?: { code: number; message: string; status: string } } }> {
  const response = await fetch(`${sheets.url}v4/spreadsheets/${spreadsheetId}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { error?: { code: number; message: string; status: string } } };
}

async function expectRefused(token: string, reason: RegExp): Promise<void> {
  const { status, body } = await get(token);
  expect(status).toBe(401);
  expect(body.error?.code).toBe(401);
  expect(body.error?.status).toBe('UNAUTHENTICATED');
  expect(body.error?.message).toMatch(/^Request had invalid authentication credentials\./);
  expect(body.error?.message).toMatch(reason);
}

describe('google sheets emulator: self-signed service-account JWTs', () => {
  it('accepts a JWT signed RS256 by a registered key, with the spreadsheets scope among others', async () => {
    expect((await get(jwt())).status).toBe(200);
    expect((await get(jwt({ scope: `https://www.googleapis.com/auth/drive ${SHEETS_SCOPE}` }))).status).toBe(200);
  });

  it('accepts the audience form addressed to the Sheets endpoint', async () => {
    expect((await get(jwt({ scope: undefined, aud: 'https://sheets.googleapis.com/' }))).status).toBe(200);
  });

  it('refuses an expired JWT', async () => {
    await expectRefused(jwt({ iat: nowS() - 7200, exp: nowS() - 3600 }), /JWT expired at/);
  });

  it('refuses a JWT without the spreadsheets scope', async () => {
    await expectRefused(jwt({ scope: 'https://www.googleapis.com/auth/calendar' }), /not the scope https:\/\/www\.googleapis\.com\/auth\/spreadsheets/);
    await expectRefused(jwt({ scope: 'https://www.googleapis.com/auth/spreadsheets.readonly' }), /not the scope/);
  });

  it('refuses a JWT signed by another key, or claiming an unknown account', async () => {
    await expectRefused(jwt({}, { key: stranger.privateKey }), /signature does not verify with the key of writer@/);
    await expectRefused(jwt({ iss: 'other@x.iam.gserviceaccount.com', sub: 'other@x.iam.gserviceaccount.com' }), /unknown service account/);
  });

  it('refuses an alg other than RS256, a sub other than the account, and a lifetime over an hour', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: EMAIL, sub: EMAIL, scope: SHEETS_SCOPE, iat: nowS(), exp: nowS() + 60 })}.`;
    await expectRefused(unsigned, /alg is "none"/);
    await expectRefused(jwt({ sub: 'someone@example.com' }), /sub must equal iss/);
    await expectRefused(jwt({ exp: nowS() + 7200 }), /more than 3600 s/);
  });

  it('refuses to start with a key that is not a public key PEM', async () => {
    await expect(startSheetsEmulator({ serviceAccounts: { [EMAIL]: 'not a key' } })).rejects.toThrow(/serviceAccounts\["writer@project\.iam\.gserviceaccount\.com"\] is not a public key PEM/);
  });
});
