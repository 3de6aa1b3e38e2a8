/**
 * The Google Sheets destination as a protocol `Destination`: run it with `main()` from `@sync/connector-kit`.
 */
import type { Destination } from '@sync/connector-kit';
import { authClientFromConfig, type AuthClientFactory } from './auth.ts';
import { checkSheets } from './check.ts';
import { GoogleSheetsDestinationConfig } from './config.ts';
import { writeToSheets } from './write.ts';

export interface GoogleSheetsDestinationOptions {
  /** Makes the auth client; default `authClientFromConfig` (OAuth2 refresh token or service account). */
  authClient?: AuthClientFactory;
}

/**
 * A destination writing each configured stream to a tab named like the stream. With
 * `append_dedup`, rows are found by primary key and updated in place (newer cursor value wins) and
 * records with `_deleted: true` remove their row; with `append`, every record is a new row.
 */
export function createGoogleSheetsDestination(options: GoogleSheetsDestinationOptions = {}): Destination<GoogleSheetsDestinationConfig> {
  const authFor = options.authClient ?? authClientFromConfig;
  return {
    name: 'destination-google-sheets',
    configSchema: GoogleSheetsDestinationConfig,
    documentationUrl: 'https://developers.google.com/sheets/api/reference/rest',
    supportedSyncModes: ['append', 'append_dedup'],
    check: (config) => checkSheets(config, authFor(config)),
    write: (input) => writeToSheets(input, authFor(input.config)),
  };
}

export const googleSheetsDestination = createGoogleSheetsDestination();
