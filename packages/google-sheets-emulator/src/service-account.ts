/**
 * Service-account bearer tokens as Google accepts them without an OAuth round trip: a JWT the
 * service account signs itself ("Addendum: Service account authorization without OAuth",
 * https://developers.google.com/identity/protocols/oauth2/service-account#jwt-auth).
 *
 * Header `{"alg":"RS256","typ":"JWT","kid":"<private_key_id>"}`; claims `iss` and `sub` = the
 * client_email, `scope` (space-separated) or `aud` (the API's endpoint), `iat` and `exp` in seconds,
 * `exp` at most one hour after `iat`. This is what google-auth-library's `JWTAccess` signs when a
 * `JWT` client has `useJWTAccessWithScope` set.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The scope that lets a token read and write spreadsheets. */
export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';
/** The audience of an audience-based (rather than scope-based) self-signed JWT for the Sheets API. */
export const SHEETS_AUDIENCE = 'https://sheets.googleapis.com/';
/** Longest lifetime of a self-signed JWT, in seconds. */
export const MAX_JWT_LIFETIME_S = 3600;
/** How far in the future `iat` may be (clock skew between signer and emulator), in seconds. */
const CLOCK_SKEW_S = 60;

/** The verdict on a token: the service account it authenticates, or why it does not. */
export type JwtVerdict = { ok: true; clientEmail: string } | { ok: false; reason: string };

/** Whether a bearer token has the shape of a JWT (three base64url parts), rather than an opaque access token. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/**
 * Parses the public keys of service accounts: client_email → public key PEM (SPKI or PKCS#1).
 *
 * @throws Error naming the account whose key is not a public key.
 */
export function parseServiceAccountKeys(accounts: Readonly<Record<string, string>>): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const [clientEmail, pem] of Object.entries(accounts)) {
    try {
      keys.set(clientEmail, createPublicKey(pem));
    } catch (error) {
      throw new Error(`serviceAccounts[${JSON.stringify(clientEmail)}] is not a public key PEM: ${(error as Error).message}`);
    }
  }
  return keys;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a self-signed service-account JWT for the Sheets API: RS256, signed by the key registered
 * for its `iss`, `sub` equal to `iss`, not expired (`exp` > now, in seconds), `iat` not in the future
 * (beyond a minute of clock skew), living at most an hour, and granting the spreadsheets scope (or
 * addressed to the Sheets endpoint by `aud`). The `kid` header is not checked: each account has
 * one key here.
 *
 * @param nowMs the current time in ms since the epoch.
 */
export function verifyServiceAccountJwt(token: string, keys: ReadonlyMap<string, KeyObject>, nowMs: number): JwtVerdict {
  const [headerPart, payloadPart, signaturePart] = token.split('.');
  const header = decodePart(headerPart ?? '');
  const claims = decodePart(payloadPart ?? '');
  if (!header || !claims || signaturePart === undefined) return { ok: false, reason: 'the bearer token is not a JWT' };
  if (header.alg !== 'RS256') return { ok: false, reason: `JWT alg is ${JSON.stringify(header.alg)}, expected "RS256"` };
  const { iss, sub, iat, exp, scope, aud } = claims;
  if (typeof iss !== 'string') return { ok: false, reason: 'JWT has no iss claim' };
  const key = keys.get(iss);
  if (!key) return { ok: false, reason: `unknown service account ${JSON.stringify(iss)}` };
  const signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, 'base64url'));
  if (!signed) return { ok: false, reason: `JWT signature does not verify with the key of ${iss}` };
  if (sub !== iss) return { ok: false, reason: 'JWT sub must equal iss, the client_email (domain-wide delegation needs an OAuth token)' };
  if (typeof iat !== 'number' || typeof exp !== 'number') return { ok: false, reason: 'JWT lacks numeric iat and exp claims' };
  const now = nowMs / 1000;
  if (exp <= now) return { ok: false, reason: `JWT expired at ${new Date(exp * 1000).toISOString()}` };
  if (iat > now + CLOCK_SKEW_S) return { ok: false, reason: 'JWT iat is in the future' };
  if (exp - iat > MAX_JWT_LIFETIME_S) return { ok: false, reason: `JWT lives ${exp - iat} s, more than ${MAX_JWT_LIFETIME_S} s` };
  const scopes = typeof scope === 'string' ? scope.split(' ') : [];
  if (!scopes.includes(SHEETS_SCOPE) && !(scope === undefined && aud === SHEETS_AUDIENCE)) {
    return { ok: false, reason: `JWT grants ${JSON.stringify(scope ?? aud ?? '')}, not the scope ${SHEETS_SCOPE}` };
  }
  return { ok: true, clientEmail: iss };
}
