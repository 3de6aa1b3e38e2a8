/**
 * Which `sync serve` the CLI talks to and with what token: `--server URL`, else `SYNC_SERVER`, else
 * `http://127.0.0.1:4010` (the server's default address); the token from `SYNC_API_TOKEN`, else the
 * file `sync serve` writes, `$SYNC_HOME/api-token` (packages/server/src/auth.ts, `tokenFile`), so
 * that on the server's machine the CLI needs no setup.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncHome } from '../database.ts';
import { UserError } from '../user-error.ts';

/** Where the server listens when started without --port: `sync serve`'s default. */
export const DEFAULT_SERVER = 'http://127.0.0.1:4010';

/** The `--server` flag of the commands that talk to a server. */
export const serverArg = {
  type: 'string',
  description: `The sync server's URL (default: SYNC_SERVER, else ${DEFAULT_SERVER}); its token comes from SYNC_API_TOKEN, else $SYNC_HOME/api-token`,
  valueHint: 'URL',
} as const;

export interface ServerAccess {
  /** The server's base URL, without a trailing slash. */
  baseUrl: string;
  token: string;
}

/**
 * The server and token for a command.
 *
 * @throws UserError for a URL that is not http(s), or when there is no token (naming both places looked in).
 */
export async function serverAccess(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<ServerAccess> {
  const given = flag || env.SYNC_SERVER || DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UserError(`--server: '${given}' is not a URL (e.g. ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`--server: '${given}' is not an http(s) URL (e.g. ${DEFAULT_SERVER})`);
  const baseUrl = url.href.replace(/\/+$/, '');
  if (env.SYNC_API_TOKEN) return { baseUrl, token: env.SYNC_API_TOKEN };
  const file = join(syncHome(env), 'api-token');
  let token = '';
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot read the API token in ${file}: ${(error as Error).message}`);
  }
  if (!token) {
    throw new UserError(
      `no API token for ${baseUrl}: set SYNC_API_TOKEN to the server's token, or run where \`sync serve\` keeps it (${file}; SYNC_HOME sets the directory)`,
    );
  }
  return { baseUrl, token };
}
