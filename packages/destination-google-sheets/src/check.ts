/**
 * The `check` command: can this config reach the spreadsheet? Reads its sheets, or, when only a
 * title is given, makes the credentials produce a bearer token: OAuth2 credentials refresh one at
 * the token endpoint (so Google vets them); a service account signs one itself, which proves the key
 * is usable but not that Google knows it (that shows at the first write).
 */
import type { AirbyteConnectionStatus } from '@sync/protocol';
import { errorMessage } from '@sync/connector-kit';
import type { OAuth2Client } from 'google-auth-library';
import type { GoogleSheetsDestinationConfig } from './config.ts';
import { apiFor } from './write.ts';

/** Checks `config` with `auth`. Never throws: problems become a FAILED status. */
export async function checkSheets(config: GoogleSheetsDestinationConfig, auth: OAuth2Client): Promise<AirbyteConnectionStatus> {
  try {
    if (config.spreadsheet_id !== undefined) {
      await apiFor({ ...config, max_retries: Math.min(config.max_retries, 2) }, auth).sheets(config.spreadsheet_id);
    } else {
      await auth.getRequestHeaders(config.api_base_url);
    }
    return { status: 'SUCCEEDED' };
  } catch (error) {
    return { status: 'FAILED', message: errorMessage(error) };
  }
}
