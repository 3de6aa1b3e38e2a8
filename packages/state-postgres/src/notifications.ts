/**
 * Postgres LISTEN/NOTIFY for `sync serve`: a server hears of a run's new events
 * (`RUN_EVENTS_CHANNEL`) and a worker of a cancel (`RUN_CANCEL_CHANNEL`) from any process sharing the
 * database. Channels are database-wide, not per schema: payloads are run ids (UUIDs), which never
 * collide between stores, and a listener ignores ids it does not follow.
 */
import pg from 'pg';
import { withoutPassword } from './connection.ts';

/** What `listen` returns: stops listening and closes its connection. */
export interface Listener {
  close(): Promise<void>;
}

/** Waits before reopening a failed listening connection: 1 s, doubling, at most 30 s. */
const REOPEN_MS = { first: 1000, max: 30_000 };

/**
 * Listens on `channels` on a connection of its own (not one of the pool's, which it would hold
 * forever), calling `onNotify(channel, payload)` for each notification. When the connection fails
 * (a database restart, a network cut), `onConnectionError` is told and the connection is reopened
 * (after 1 s, doubling up to 30 s between tries) until `close`; notifications sent while it was down
 * are lost, so a listener also looks for what it waits on by itself now and then.
 *
 * @param config the store's connection settings (its pool's).
 * @param where the database as messages name it (`host:port/db`).
 * @throws Error "state store at …: cannot listen on …: …" when the first connection or a LISTEN fails.
 */
export async function listen(
  config: pg.ClientConfig,
  where: string,
  channels: readonly string[],
  onNotify: (channel: string, payload: string) => void,
  onConnectionError: (error: Error) => void,
): Promise<Listener> {
  const names = channels.join(', ');
  const clean = (error: Error) => withoutPassword(error.message, config.connectionString ?? '');
  let closing = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const open = async (): Promise<pg.Client> => {
    const next = new pg.Client(config);
    next.on('notification', (message) => onNotify(message.channel, message.payload ?? ''));
    next.on('error', (error: Error) => {
      if (closing || next !== client) return;
      client = undefined;
      next.end().catch(() => {});
      onConnectionError(new Error(`state store at ${where}: the connection listening on ${names} failed: ${clean(error)}; reopening it`, { cause: error }));
      reopen(REOPEN_MS.first);
    });
    try {
      await next.connect();
      for (const channel of channels) await next.query(`LISTEN ${next.escapeIdentifier(channel)}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    return next;
  };
  const reopen = (waitMs: number) => {
    timer = setTimeout(() => {
      if (closing) return;
      open().then(
        (opened) => {
          if (closing) opened.end().catch(() => {});
          else client = opened;
        },
        () => reopen(Math.min(waitMs * 2, REOPEN_MS.max)),
      );
    }, waitMs);
    timer.unref();
  };

  try {
    client = await open();
  } catch (error) {
    throw new Error(`state store at ${where}: cannot listen on ${names}: ${clean(error as Error)}`, { cause: error });
  }
  return {
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(timer);
      const last = client;
      client = undefined;
      last?.removeAllListeners('notification');
      await last?.end().catch(() => {});
    },
  };
}
