/**
 * Authentication helpers: something that gives the headers of a request, and can be told that the
 * server rejected them (HTTP 401) so it fetches fresh credentials once.
 */
import { ConfigError } from './errors.ts';

export interface Auth {
  /** Headers to add to a request, e.g. `{ authorization: 'Bearer …' }`. */
  headers(): Promise<Record<string, string>>;
  /** The server answered 401: drop cached credentials. Returns false when there is nothing to refresh. */
  invalidate(): boolean;
}

/** A fixed bearer token (an API key sent as `Authorization: Bearer <token>`). */
export function bearerAuth(token: string): Auth {
  return { headers: async () => ({ authorization: `Bearer ${token}` }), invalidate: () => false };
}

export interface OAuth2RefreshOptions {
  /** The token endpoint, e.g. `https://oauth2.googleapis.com/token`. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Extra form fields (`scope`, `audience`). */
  extraParams?: Record<string, string>;
  /**
   * Called when the server rotates the refresh token: persist it (a source emits a CONTROL message,
   * `configUpdate`, so the engine saves the new config). Without this, the next run would fail.
   */
  onRefreshToken?: (refreshToken: string) => void;
  /** Refresh this long before the access token expires, in ms. Default 60 000. */
  earlyRefreshMs?: number;
}

/**
 * OAuth 2.0 refresh-token grant (RFC 6749 §6): exchanges the refresh token for an access token at
 * `tokenUrl`, caches it until shortly before `expires_in`, and sends it as a bearer token.
 *
 * @throws ConfigError from `headers()` when the token endpoint refuses the refresh token.
 */
export function oauth2RefreshAuth(options: OAuth2RefreshOptions): Auth {
  let refreshToken = options.refreshToken;
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function refresh(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: options.clientId,
      client_secret: options.clientSecret,
      ...options.extraParams,
    });
    const response = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    const json = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      refresh_token?: string;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !json.access_token) {
      throw new ConfigError(
        `OAuth2 token refresh at ${options.tokenUrl} failed (HTTP ${response.status}${json.error ? `, ${json.error}` : ''}${json.error_description ? `: ${json.error_description}` : ''}): check the client id, secret and refresh token`,
      );
    }
    if (json.refresh_token && json.refresh_token !== refreshToken) {
      refreshToken = json.refresh_token;
      options.onRefreshToken?.(refreshToken);
    }
    const lifetimeMs = (json.expires_in ?? 3600) * 1000;
    cached = { token: json.access_token, expiresAt: Date.now() + lifetimeMs - (options.earlyRefreshMs ?? 60_000) };
    return json.access_token;
  }

  return {
    async headers() {
      if (!cached || Date.now() >= cached.expiresAt) {
        pending ??= refresh().finally(() => (pending = undefined));
        await pending;
      }
      return { authorization: `Bearer ${cached!.token}` };
    },
    invalidate() {
      cached = undefined;
      return true;
    },
  };
}
