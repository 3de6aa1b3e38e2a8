/**
 * The dashboard's API session: the bearer token (asked once, kept in sessionStorage, so it lasts as
 * long as the browser tab and no longer) and the typed client (@sync/api-client) that sends it. The
 * page uses only the public HTTP API (docs/api.md), as any client does.
 */
import { ApiError, createSyncClient, type SyncClient } from '@sync/api-client';

const KEY = 'sync.api-token';

/** A signed-in session. */
export interface Session {
  client: SyncClient;
  /** The bearer token, for the event stream (followRunEvents). */
  token: string;
  /** The server: the page's own origin. */
  baseUrl: string;
}

/** The token kept for this tab, if any. */
export function savedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Forgets the token (sign out, or a token the server refused). */
export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** A session with `token`, not yet checked. */
export function sessionFor(token: string): Session {
  const baseUrl = location.origin;
  return { client: createSyncClient({ baseUrl, token }), token, baseUrl };
}

/**
 * Checks `token` with a request that needs it (the newest audit entry), and keeps it for the tab.
 *
 * @throws ApiError 401 when the server refuses the token; Error when the server cannot be reached.
 */
export async function signIn(token: string): Promise<Session> {
  const session = sessionFor(token.trim());
  await session.client.GET('/audit', { params: { query: { limit: 1 } } });
  sessionStorage.setItem(KEY, session.token);
  return session;
}

/** True for the API's 401: no token, or not this server's. */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

/**
 * One line for the user about a failed call: what the server said (the problem's detail and its
 * field errors), and for a refused token, where the right one is.
 */
export function messageOf(error: unknown): string {
  if (isUnauthorized(error)) {
    return `The server refused this token (${(error as ApiError).message}). Use the server's SYNC_API_TOKEN, or the token \`sync serve\` wrote to $SYNC_HOME/api-token.`;
  }
  return error instanceof Error ? error.message : String(error);
}
