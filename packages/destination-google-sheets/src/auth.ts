/**
 * The auth client the Sheets API calls go through. Built from the config by default; embedders and
 * tests may inject their own (`createGoogleSheetsDestination({ authClient })`).
 */
import { createPrivateKey } from 'node:crypto';
import { JWT, OAuth2Client } from 'google-auth-library';
import { ConfigError } from '@sync/connector-kit';
import type { GoogleSheetsDestinationConfig } from './config.ts';

export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';

/** Makes the auth client for a config; `createGoogleSheetsDestination` accepts another. */
export type AuthClientFactory = (config: GoogleSheetsDestinationConfig) => OAuth2Client;

/**
 * OAuth2: a client refreshing its access token at `config.token_url` (Google's by default, the
 * emulator's `/token` in tests).
 *
 * Service account: a client sending a JWT it signs itself (RS256 with the key's `private_key`,
 * `kid` = `private_key_id`, `iss` = `sub` = `client_email`, the spreadsheets scope, valid one hour)
 * as the bearer token, instead of trading a signed assertion for an access token at Google's token
 * endpoint: one round trip fewer, and no endpoint the config would have to point at a fake
 * ("Addendum: Service account authorization without OAuth",
 * https://developers.google.com/identity/protocols/oauth2/service-account#jwt-auth).
 *
 * @throws ConfigError when the service account key is not JSON with client_email and private_key,
 *   or its private_key is not a PEM private key.
 */
export const authClientFromConfig: AuthClientFactory = (config) => {
  const credentials = config.credentials;
  if (credentials.auth_type === 'oauth2') {
    const client = new OAuth2Client({
      clientId: credentials.client_id,
      clientSecret: credentials.client_secret,
      endpoints: { oauth2TokenUrl: config.token_url },
      // Token refreshes get the same timeout as API requests.
      transporterOptions: { timeout: config.request_timeout_ms },
    });
    client.setCredentials({ refresh_token: credentials.refresh_token });
    return client;
  }
  let key: { client_email?: unknown; private_key?: unknown; private_key_id?: unknown };
  try {
    key = JSON.parse(credentials.service_account_info) as typeof key;
  } catch {
    throw new ConfigError('credentials.service_account_info is not JSON: paste the whole key file of the service account');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ConfigError('credentials.service_account_info lacks client_email or private_key: paste the whole key file of the service account');
  }
  try {
    createPrivateKey(key.private_key);
  } catch {
    throw new ConfigError('credentials.service_account_info has a private_key that is not a PEM private key: paste the whole key file of the service account');
  }
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(typeof key.private_key_id === 'string' ? { keyId: key.private_key_id } : {}),
    scopes: [SHEETS_SCOPE],
  });
  // Not a constructor option in google-auth-library 11: with it, requests carry a scope-based
  // self-signed JWT (JWTAccess) rather than an access token fetched from oauth2.googleapis.com.
  client.useJWTAccessWithScope = true;
  return client;
};
