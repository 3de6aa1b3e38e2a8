/**
 * The typed client of the HTTP API: openapi-fetch over the types generated from the server's OpenAPI
 * document (`generated/api.ts`), with the bearer token on every request and errors thrown.
 */
import createClient, { type Client } from 'openapi-fetch';
import { apiErrorOf, unreachable } from './api-error.ts';
import type { paths } from './generated/api.ts';

/** The client: `client.GET('/pipelines/{id}', { params: { path: { id } } })`, typed by path and method. */
export type SyncClient = Client<paths>;

export interface SyncClientOptions {
  /** The server, e.g. `http://127.0.0.1:4010` (no trailing path). */
  baseUrl: string;
  /** The bearer token: SYNC_API_TOKEN, or the one `sync serve` wrote to `$SYNC_HOME/api-token`. */
  token: string;
}

/**
 * A client of the server at `baseUrl`. Its calls resolve only for a 2xx answer, with `data` the parsed
 * body (undefined for 204); see `bodyOf`.
 *
 * @throws (from each call) ApiError for a non-2xx answer, its message `<status> <detail>` and the field
 *   errors (api-error.ts); Error `cannot reach the sync server at …` when no answer came.
 */
export function createSyncClient(options: SyncClientOptions): SyncClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const client = createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${options.token}` },
  });
  client.use({
    async onResponse({ response }) {
      if (!response.ok) throw await apiErrorOf(response);
      return undefined;
    },
    onError({ error }) {
      return unreachable(baseUrl, error);
    },
  });
  return client;
}

/**
 * The body of a call that answered with one. (No route answers a JSON `null`; the generated types
 * allow one where a component is also used nullable, such as `Run` for a pipeline's `last_run`.)
 *
 * @throws Error when the answer had no body (a route documented with one answered 204, empty or null).
 */
export function bodyOf<T>(result: { data?: T; response: Response }): NonNullable<T> {
  const { data } = result;
  if (data === undefined || data === null) throw new Error(`${result.response.url}: answered ${result.response.status} without a body`);
  return data;
}
