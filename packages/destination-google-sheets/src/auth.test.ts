import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '@sync/protocol';
import { ConfigError, record, streamState } from '@sync/connector-kit';
import { startSheetsEmulator, type SheetsEmulator } from '@sync/google-sheets-emulator';
import { authClientFromConfig, SHEETS_SCOPE } from './auth.ts';
import { GoogleSheetsDestinationConfig } from './config.ts';
import { googleSheetsDestination } from './destination.ts';

const EMAIL = 'sheets-writer@sync-tests.iam.gserviceaccount.com';
const pemKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const registered = pemKeyPair();
const unregistered = pemKeyPair();

/** A service account key file as Google Cloud hands it out (the fields the destination reads, and a few more). */
function keyFile(privateKey: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'sync-tests',
    private_key_id: '5f1c0ffee0ddba11',
    private_key: privateKey,
    client_email: EMAIL,
    client_id: '1234567890',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
}

let sheets: SheetsEmulator;
beforeAll(async () => {
  sheets = await startSheetsEmulator({ serviceAccounts: { [EMAIL]: registered.publicKey } });
});
afterAll(() => sheets?.close());

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'customers', json_schema: { type: 'object', properties: { id: { type: 'string' }, email: { type: 'string' } } }, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append',
    },
  ],
};

/** A config for the emulator; `token_url` stays Google's, unreachable here, so any token exchange would fail. */
function config(credentials: Record<string, unknown>, spreadsheetId: string): GoogleSheetsDestinationConfig {
  return GoogleSheetsDestinationConfig.parse({ spreadsheet_id: spreadsheetId, credentials, api_base_url: sheets.url, requests_per_minute: 100_000, retry_base_ms: 1, max_retries: 1 });
}
const serviceAccount = (privateKey: string) => ({ auth_type: 'service_account', service_account_info: keyFile(privateKey) });

async function write(cfg: GoogleSheetsDestinationConfig, messages: AirbyteMessage[]): Promise<AirbyteMessage[]> {
  const out: AirbyteMessage[] = [];
  const input = (async function* () {
    yield* messages;
  })();
  for await (const m of googleSheetsDestination.write({ config: cfg, catalog, messages: input })) out.push(m);
  return out;
}

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('destination-google-sheets service account', () => {
  it('signs its own bearer JWT: RS256, kid = private_key_id, iss = sub = client_email, the spreadsheets scope, one hour', async () => {
    const id = sheets.createSpreadsheet('jwt');
    const headers = await authClientFromConfig(config(serviceAccount(registered.privateKey), id)).getRequestHeaders();
    const [header, claims, signature] = /^Bearer (.+)$/.exec(headers.get('authorization') ?? '')![1]!.split('.');
    expect(decode(header!)).toEqual({ alg: 'RS256', typ: 'JWT', kid: '5f1c0ffee0ddba11' });
    const { iss, sub, scope, iat, exp } = decode(claims!) as { iss: string; sub: string; scope: string; iat: number; exp: number };
    expect({ iss, sub, scope }).toEqual({ iss: EMAIL, sub: EMAIL, scope: SHEETS_SCOPE });
    expect(exp - iat).toBe(3600);
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
    expect(signature).toMatch(/^[\w-]{300,}$/);
  });

  it('writes rows through the emulator with a service account key, without any token endpoint', async () => {
    const id = sheets.createSpreadsheet('sa');
    sheets.resetRequests();
    const out = await write(config(serviceAccount(registered.privateKey), id), [
      record('customers', { id: 'cus_1', email: 'a@x.test' }),
      record('customers', { id: 'cus_2', email: 'b@x.test' }),
      streamState('customers', {}, 2),
    ]);
    expect(out.filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'email'],
      ['cus_1', 'a@x.test'],
      ['cus_2', 'b@x.test'],
    ]);
    expect(sheets.statusCounts()).toEqual({ 200: sheets.requests.length });
    expect(await googleSheetsDestination.check(config(serviceAccount(registered.privateKey), id))).toEqual({ status: 'SUCCEEDED' });
    const byTitle = GoogleSheetsDestinationConfig.parse({ credentials: serviceAccount(registered.privateKey), spreadsheet_title: 'new', api_base_url: sheets.url });
    expect(await googleSheetsDestination.check(byTitle)).toEqual({ status: 'SUCCEEDED' });
  });

  it('fails with a clear config error and writes nothing when the key is not the service account’s', async () => {
    const id = sheets.createSpreadsheet('wrong-key');
    sheets.resetRequests();
    const failure = write(config(serviceAccount(unregistered.privateKey), id), [record('customers', { id: 'cus_1', email: 'a@x.test' }), streamState('customers', {}, 1)]);
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/Google Sheets spreadsheets\.get failed \(HTTP 401\): Request had invalid authentication credentials.*check the credentials/);
    expect(sheets.statusCounts()).toEqual({ 401: 1 });
    expect(sheets.sheetTitles(id)).toEqual(['Sheet1']);
    expect(sheets.values(id, 'Sheet1')).toEqual([]);

    const check = await googleSheetsDestination.check(config(serviceAccount(unregistered.privateKey), id));
    expect(check.status).toBe('FAILED');
    expect(check.message).toMatch(/HTTP 401/);
  });

  it('refuses a key file that is not JSON, lacks fields, or holds no PEM private key, before any request', () => {
    const id = 'unused';
    const make = (info: string) => () => authClientFromConfig(config({ auth_type: 'service_account', service_account_info: info }, id));
    expect(make('{not json')).toThrow(/service_account_info is not JSON/);
    expect(make(JSON.stringify({ client_email: EMAIL }))).toThrow(/lacks client_email or private_key/);
    expect(make(keyFile('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toThrow(/private_key that is not a PEM private key/);
  });
});

describe('destination-google-sheets oauth2', () => {
  it('still refreshes its access token at token_url and writes with it', async () => {
    const id = sheets.createSpreadsheet('oauth');
    const { clientId, clientSecret, refreshToken } = sheets.oauthClient;
    const cfg = GoogleSheetsDestinationConfig.parse({
      ...config({ auth_type: 'oauth2', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken }, id),
      token_url: sheets.tokenUrl,
    });
    await write(cfg, [record('customers', { id: 'cus_9', email: 'z@x.test' }), streamState('customers', {}, 1)]);
    expect(sheets.values(id, 'customers')).toEqual([['id', 'email'], ['cus_9', 'z@x.test']]);

    const refused = await googleSheetsDestination.check(GoogleSheetsDestinationConfig.parse({ ...cfg, credentials: { ...cfg.credentials, refresh_token: 'revoked' } }));
    expect(refused.status).toBe('FAILED');
  });
});
