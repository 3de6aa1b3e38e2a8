/**
 * What `sync serve` does once its flags are parsed: loads or makes the API token, opens the database
 * and the state store, starts the server with its workers, and runs until SIGINT or SIGTERM, when it
 * releases the runs it executes (each goes back to the queue from its last checkpoint) and closes.
 */
import { isIP } from 'node:net';
import type { ParsedArgs } from 'citty';
import { syncHome } from '../database.ts';
import { UserError } from '../user-error.ts';
import type { serveArgs } from './serve.ts';
import { failIfFatal, intFlag, serviceLog, untilStopped, withService } from './service-setup.ts';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Runs `sync serve` until a signal. */
export async function serveAction(args: ParsedArgs<typeof serveArgs>): Promise<void> {
  const port = intFlag('port', args.port, 0, 65535);
  const workers = intFlag('workers', args.workers, 0, 64);
  const log = serviceLog('sync serve', args);
  const { loadApiToken, startServer } = await import('@sync/server');
  const token = await loadApiToken(process.env, syncHome(process.env));
  if (token.origin === 'file' && !isLoopback(args.host)) {
    throw new UserError(
      `--host ${args.host} would expose the API beyond this machine with a token made for local use: set SYNC_API_TOKEN (a long random value, e.g. \`openssl rand -base64 32\`) to listen there`,
    );
  }
  const stop = untilStopped();
  await withService(args, workers, log, async (options) => {
    const server = await startServer({ ...options, host: args.host, port, workers, token: token.token, onFatal: stop.fatal });
    log('info', `listening on ${server.url} (docs: ${server.url}/docs), ${workers === 0 ? 'no workers: runs wait for `sync worker` or a `sync serve` with workers' : `${workers} worker${workers === 1 ? '' : 's'}`}`);
    log('info', token.origin === 'env' ? 'clients authenticate with SYNC_API_TOKEN' : `clients authenticate with the token in ${token.path}${token.created ? ' (just made; mode 0600)' : ''}`);
    const signal = await stop.stopped;
    log(signal === 'fatal' ? 'error' : 'info', `${signal}: stopping; runs in progress go back to the queue from their last checkpoint`);
    await server.close();
  });
  failIfFatal(stop);
}
