/**
 * Bearer-token authentication of the HTTP API (RFC 6750): every route but `/health`, the docs and the
 * signature-checked webhook route needs `Authorization: Bearer <token>`. The token is
 * `SYNC_API_TOKEN`, or one made at first start in `$SYNC_HOME/api-token` (mode 0600).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MiddlewareHandler } from 'hono';
import { HttpProblem } from './problem.ts';

/** Where the API's token came from. */
export interface ApiToken {
  token: string;
  /** `env`: SYNC_API_TOKEN; `file`: read from, or just written to, `path`. */
  origin: 'env' | 'file';
  path?: string;
  /** True when this start wrote the file. */
  created?: boolean;
}

/** The file that keeps the generated token. */
export function tokenFile(home: string): string {
  return join(home, 'api-token');
}

/**
 * `SYNC_API_TOKEN` when set; else the token in `$SYNC_HOME/api-token`, made (32 random bytes,
 * base64url; file mode 0600, directory 0700) when the file does not exist.
 *
 * @throws Error when SYNC_API_TOKEN is set but shorter than 16 characters, or the file cannot be read or written.
 */
export async function loadApiToken(env: NodeJS.ProcessEnv, home: string): Promise<ApiToken> {
  const fromEnv = env.SYNC_API_TOKEN;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16) throw new Error('SYNC_API_TOKEN is shorter than 16 characters: use a long random value, e.g. `openssl rand -base64 32`');
    return { token: fromEnv, origin: 'env' };
  }
  const path = tokenFile(home);
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length >= 16) return { token, origin: 'file', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the API token at ${path}: ${(error as Error).message}`);
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return { token, origin: 'file', path, created: true };
}

/** Who made a change, for the audit log: the token's label, never the token. */
export function actorOf(token: string): string {
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Requires `Authorization: Bearer <token>` (compared in constant time); sets `actor` on the context.
 * Answers 401 problem+json with `WWW-Authenticate: Bearer` otherwise.
 */
export function bearerAuth(token: string): MiddlewareHandler {
  const expected = digest(token);
  const actor = actorOf(token);
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="sync"');
      throw new HttpProblem(401, 'unauthorized', 'this route needs `Authorization: Bearer <token>` (SYNC_API_TOKEN, or the token in $SYNC_HOME/api-token)');
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="sync", error="invalid_token"');
      throw new HttpProblem(401, 'invalid-token', 'the bearer token is not this server\'s token');
    }
    c.set('actor' as never, actor as never);
    await next();
  };
}
