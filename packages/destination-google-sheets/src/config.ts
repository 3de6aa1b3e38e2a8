/**
 * The config of the Google Sheets destination: which spreadsheet, which credentials, where the API
 * is (for a local fake), and how big a batch is.
 */
import * as z from 'zod';

const OAuth2Credentials = z.object({
  auth_type: z.literal('oauth2'),
  client_id: z.string().min(1).describe('OAuth2 client id of a Google Cloud project.'),
  client_secret: z.string().min(1).describe('OAuth2 client secret.').meta({ airbyte_secret: true }),
  refresh_token: z.string().min(1).describe('Refresh token granted for the spreadsheets scope.').meta({ airbyte_secret: true }),
});

const ServiceAccountCredentials = z.object({
  auth_type: z.literal('service_account'),
  service_account_info: z
    .string()
    .min(1)
    .describe('The JSON key of a service account (the whole file as text). Share the spreadsheet with its client_email.')
    .meta({ airbyte_secret: true }),
});

export const GoogleSheetsCredentials = z.discriminatedUnion('auth_type', [OAuth2Credentials, ServiceAccountCredentials]);
export type GoogleSheetsCredentials = z.infer<typeof GoogleSheetsCredentials>;

/** Default time an API request may take, in ms (a 2 MB append usually takes a few seconds). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Default rows written per request (and held in memory per stream). */
export const DEFAULT_BATCH_SIZE = 2_000;

export const GoogleSheetsDestinationConfig = z
  .object({
    spreadsheet_id: z.string().min(1).optional().describe('Id of the spreadsheet to write (from its URL: /spreadsheets/d/<id>/edit).'),
    spreadsheet_title: z
      .string()
      .min(1)
      .optional()
      .describe('Title of a spreadsheet to create when spreadsheet_id is not set; the new id is sent back in a CONTROL message for the engine to save.'),
    credentials: GoogleSheetsCredentials.describe('OAuth2 (client id, secret, refresh token) or a service account key.'),
    api_base_url: z
      .string()
      .url()
      .default('https://sheets.googleapis.com/')
      .describe('Root URL of the Sheets API. Change it only to point at a local fake (packages/google-sheets-emulator).'),
    token_url: z
      .string()
      .url()
      .default('https://oauth2.googleapis.com/token')
      .describe('OAuth2 token endpoint used to refresh the access token (oauth2 credentials only). Change it only for a local fake.'),
    batch_size: z.number().int().positive().default(DEFAULT_BATCH_SIZE).describe('Rows buffered before they are written; a STATE is acknowledged once the batch holding its records is written.'),
    flush_interval_ms: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe('A batch holding a STATE is written after at most this many ms (checked as messages arrive), even when not full.'),
    requests_per_minute: z.number().int().positive().default(60).describe("Client-side pace of API requests (Sheets' default quota: 60 per minute per user)."),
    max_retries: z
      .number()
      .int()
      .nonnegative()
      .default(8)
      .describe('Retries of a request answered by 429 or 5xx, timed out, or failing on the network (for an append or a row deletion: read-backs, each followed by a resend if it was not applied).'),
    retry_base_ms: z.number().int().positive().default(1_000).describe('First backoff delay; doubled on each retry (with jitter), capped at 64 s.'),
    request_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_REQUEST_TIMEOUT_MS)
      .describe(
        'Time an API request may take before it is abandoned. A read or a write of fixed cells is then retried; an append or a row deletion is checked by reading the tab back, and sent again only if it was not applied.',
      ),
  })
  .refine((c) => c.spreadsheet_id !== undefined || c.spreadsheet_title !== undefined, {
    message: 'set spreadsheet_id (an existing spreadsheet) or spreadsheet_title (to create one)',
  });
export type GoogleSheetsDestinationConfig = z.infer<typeof GoogleSheetsDestinationConfig>;
