/**
 * The auth client the Sheets API calls go through. Built from the config by default; tests and
 * embedders may inject their own (`createGoogleSheetsDestination({ authClient })`), since a service
 * account always logs in at Google's real token URL.
 */
import { JWT, OAuth2Client } from 'google-auth-library';
import { ConfigError } from '@sync/protocol';
import type { GoogleSheetsDestinationConfig } from './config.ts';

export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';

/** Makes the auth client for a config; `createGoogleSheetsDestination` accepts another. */
export type AuthClientFactory = (config: GoogleSheetsDestinationConfig) => OAuth2Client;

/**
 * OAuth2: a client refreshing its access token at `config.token_url` (Google's by default, the
 * emulator's `/token` in tests). Service account: a JWT client for the key's `client_email`.
 *
 * @throws ConfigError when the service account key is not JSON with client_email and private_key.
 */
export const authClientFromConfig: AuthClientFactory = (config) => {
  const credentials = config.credentials;
  if (credentials.auth_type === 'oauth2') {
    const client = new OAuth2Client({
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
      endpoints: { oauth2TokenUrl: config.token_url },
    });
    client.setCredentials({ refresh_token: credentials.refresh_token });
    return client;
  }
  let key: { client_email?: unknown; private_key?: unknown };
  try {
    key = JSON.parse(credentials.service_account_info) as typeof key;
  } catch {
    throw new ConfigError('credentials.service_account_info is not JSON: paste the whole key file of the service account');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ConfigError('credentials.service_account_info lacks client_email or private_key: paste the whole key file of the service account');
  }
  return new JWT({ email: key.client_email, key: key.private_key, scopes: [SHEETS_SCOPE] });
};
