/**
 * Opening a connection to the destination database, with an error a user can act on.
 */
import pg from 'pg';
import { ConfigError, ConnectorError, errorMessage } from '@sync/protocol';

/** `application_name` of the destination's sessions, so that an operator can find them in pg_stat_activity. */
export const APPLICATION_NAME = 'destination-postgres';

/** How long to wait for the server to accept a connection, in milliseconds. */
const CONNECT_TIMEOUT_MS = 10_000;

/** `host:port/database` of a connection string, never its password; for messages and logs. */
export function describeTarget(url: string): string {
  try {
    const client = new pg.Client({ connectionString: url });
    return `${client.host}:${client.port}/${client.database ?? ''}`;
  } catch {
    return '(unparsable url)';
  }
}

/**
 * Connects one client to `url`.
 *
 * @throws ConfigError "cannot connect to Postgres at host:port/db: <reason>" when the server cannot
 *   be reached or refuses the login. The password never appears in the message.
 */
export async function connect(url: string): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: APPLICATION_NAME });
  } catch (error) {
    throw new ConfigError(`the Postgres url is not a valid connection string: ${redact(errorMessage(error), url)}`);
  }
  // An idle client whose server goes away emits 'error'; without a listener that would crash the
  // process instead of failing the next query.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new ConfigError(
      `cannot connect to Postgres at ${describeTarget(url)}: ${redact(errorMessage(error), url)}. ` +
        'Check that the server is running and that the url in the destination config is right.',
    );
  }
  return client;
}

/**
 * Classifies an error from a query: a lost connection (network failure, server shutdown, session
 * terminated; SQLSTATE classes 08 and 57P) becomes a `transient_error` ConnectorError, since a retry
 * resumes from the last acknowledged state. Anything else is returned unchanged.
 */
export function classifyQueryError(error: unknown, url: string): unknown {
  if (error instanceof ConnectorError) return error;
  const code = (error as { code?: unknown }).code;
  const message = errorMessage(error);
  const lost =
    (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code === 'ECONNRESET' || code === 'EPIPE')) ||
    /Connection terminated|Client has encountered a connection error/i.test(message);
  if (!lost) return error;
  return new ConnectorError(
    `lost the connection to Postgres at ${describeTarget(url)}: ${redact(message, url)}. ` +
      'Records since the last acknowledged STATE were not committed; the next run resumes from that state.',
    { failureType: 'transient_error', cause: error },
  );
}

/** Removes the password of `url` from `text`, in case a driver message quotes it. */
function redact(text: string, url: string): string {
  let password: string | undefined;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    password = undefined;
  }
  return password ? text.split(password).join('***') : text;
}
