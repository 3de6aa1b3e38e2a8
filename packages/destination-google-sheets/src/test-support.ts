/**
 * What the destination's tests share: the destination with an auth client the emulator accepts, a
 * config pointing at the emulator, configured streams, and a `write` that collects what it yields.
 */
import { OAuth2Client } from 'google-auth-library';
import type { AirbyteMessage, ConfiguredAirbyteCatalog, ConfiguredAirbyteStream } from '@sync/protocol';
import { record } from '@sync/connector-kit';
import type { SheetsEmulator } from '@sync/google-sheets-emulator';
import { GoogleSheetsDestinationConfig } from './config.ts';
import { createGoogleSheetsDestination } from './destination.ts';

/** `customers`: primary key `id`, cursor `created`, written with `mode` (default append_dedup). */
export function customersStream(mode: 'append' | 'append_dedup' = 'append_dedup'): ConfiguredAirbyteStream {
  return {
    stream: {
      name: 'customers',
      json_schema: { type: 'object', properties: { created: { type: 'integer' }, id: { type: 'string' }, email: { type: 'string' }, address: { type: 'object' } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_primary_key: [['id']],
      default_cursor_field: ['created'],
    },
    sync_mode: 'incremental',
    destination_sync_mode: mode,
    cursor_field: ['created'],
    primary_key: [['id']],
  };
}

/** A `customers` record. */
export const customer = (n: number, created: number, extra: Record<string, unknown> = {}): AirbyteMessage =>
  record('customers', { id: `cus_${n}`, created, email: `c${n}@x.test`, ...extra });

/** The destination and helpers bound to the emulator `sheets()` returns (started in `beforeAll`). */
export function destinationKit(sheets: () => SheetsEmulator) {
  /** The injected auth client: a fixed access token the emulator accepts, no token endpoint. */
  const fakeAuth = (): OAuth2Client => {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: sheets().accessToken, expiry_date: Date.now() + 3_600_000 });
    return client;
  };
  const destination = createGoogleSheetsDestination({ authClient: fakeAuth });

  /** A config for the emulator, unpaced, with 1 ms backoffs, plus `extra`. */
  const config = (extra: Record<string, unknown>): GoogleSheetsDestinationConfig =>
    GoogleSheetsDestinationConfig.parse({
      credentials: { auth_type: 'oauth2', client_id: 'x', client_secret: 'y', refresh_token: 'z' },
      api_base_url: sheets().url,
      requests_per_minute: 100_000,
      retry_base_ms: 1,
      ...extra,
    });

  /** Runs `write` over `messages` (an array, or an iterable that may throw) and returns what it yielded. */
  const write = async (
    cfg: GoogleSheetsDestinationConfig,
    messages: AirbyteMessage[] | AsyncIterable<AirbyteMessage>,
    catalog: ConfiguredAirbyteCatalog = { streams: [customersStream()] },
  ): Promise<AirbyteMessage[]> => {
    const out: AirbyteMessage[] = [];
    const input = Array.isArray(messages)
      ? (async function* () {
          yield* messages;
        })()
      : messages;
    for await (const m of destination.write({ config: cfg, catalog, messages: input })) out.push(m);
    return out;
  };

  return { destination, config, write };
}
