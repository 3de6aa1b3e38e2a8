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

/**
 * Listens on `channels` on a connection of its own (not one of the pool's, which it would hold
 * forever), calling `onNotify(channel, payload)` for each notification. The connection is not
 * reopened when it fails: `onConnectionError` is told, and no notification arrives after that.
 *
 * @param config the store's connection settings (its pool's).
 * @param where the database as messages name it (`host:port/db`).
 * @throws Error "state store at …: cannot listen on …: …" when the connection or a LISTEN fails.
 */
export async function listen(
  config: pg.ClientConfig,
  where: string,
  channels: readonly string[],
  onNotify: (channel: string, payload: string) => void,
  onConnectionError: (error: Error) => void,
): Promise<Listener> {
  const client = new pg.Client(config);
  const names = channels.join(', ');
  const clean = (error: Error) => withoutPassword(error.message, config.connectionString ?? '');
  let closing = false;
  client.on('error', (error: Error) => {
    if (closing) return;
    onConnectionError(new Error(`state store at ${where}: the connection listening on ${names} failed: ${clean(error)}; no more notifications arrive on it`, { cause: error }));
  });
  client.on('notification', (message) => onNotify(message.channel, message.payload ?? ''));
  try {
    await client.connect();
    for (const channel of channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  } catch (error) {
    closing = true;
    await client.end().catch(() => {});
    throw new Error(`state store at ${where}: cannot listen on ${names}: ${clean(error as Error)}`, { cause: error });
  }
  return {
    async close() {
      if (closing) return;
      closing = true;
      client.removeAllListeners('notification');
      await client.end().catch(() => {});
    },
  };
}
