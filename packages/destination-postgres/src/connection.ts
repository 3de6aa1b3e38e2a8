/**
 * Opening a connection to the destination database, with an error a user can act on, and turning the
 * errors of its queries into ones a user can act on.
 *
 * Every connection has TCP keepalive on, so that a peer that vanished (a server behind a dead network
 * path, a NAT that dropped the flow) is noticed by the kernel instead of hanging a write forever, and
 * the configured `statement_timeout` (PostgreSQL manual, "Client Connection Defaults").
 */
import pg from 'pg';
import { ConfigError, ConnectorError, errorMessage } from '@sync/connector-kit';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './config.ts';

/** `application_name` of the destination's sessions, so that an operator can find them in pg_stat_activity. */
export const APPLICATION_NAME = 'destination-postgres';

/** Idle time before the first TCP keepalive probe, in milliseconds. */
export const KEEPALIVE_INITIAL_DELAY_MS = 30_000;

export interface ConnectOptions {
  /** How long to wait for the server to accept the connection, in milliseconds. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * The session's `statement_timeout`, in milliseconds; 0 = no limit (set explicitly, so that a
   * server or role default does not apply). Left as the server's default when undefined.
   */
  statementTimeoutMs?: number;
}

/** The pg client config of a connection to `url`; see the module comment. */
export function clientConfig(url: string, options: ConnectOptions = {}): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    application_name: APPLICATION_NAME,
  };
}

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
 * Connects one client to `url`, with `options` (see `clientConfig`).
 *
 * @throws ConfigError "cannot connect to Postgres at host:port/db: <reason>" when the server cannot
 *   be reached in `connectTimeoutMs` or refuses the login. The password never appears in the message.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client(clientConfig(url, options));
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
  if (options.statementTimeoutMs !== undefined) {
    try {
      await client.query(`select set_config('statement_timeout', $1, false)`, [String(options.statementTimeoutMs)]);
    } catch (error) {
      await client.end().catch(() => {});
      throw classifyQueryError(error, url);
    }
  }
  return client;
}

/**
 * Classifies an error from a query, as a `transient_error` ConnectorError when a retry can succeed
 * (it resumes from the last acknowledged state):
 * - a statement canceled (SQLSTATE 57014): by `statement_timeout` (`statementTimeoutMs`, named in the
 *   message with what to change), or by an administrator;
 * - a lost connection (network failure, server shutdown, session terminated; SQLSTATE classes 08 and
 *   57P).
 * Anything else is returned as it is, a COPY's error with where it happened (`withCopyContext`).
 */
export function classifyQueryError(error: unknown, url: string, statementTimeoutMs?: number): unknown {
  if (error instanceof ConnectorError) return error;
  const code = (error as { code?: unknown }).code;
  const message = errorMessage(error);
  if (code === '57014') {
    const timedOut = /statement timeout/i.test(message);
    return new ConnectorError(
      (timedOut
        ? `a statement ran longer than statement_timeout_ms${statementTimeoutMs ? ` (${statementTimeoutMs} ms)` : ''} at ${describeTarget(url)} and was canceled. `
        : `a statement was canceled at ${describeTarget(url)} (${redact(message, url)}; an administrator's pg_cancel_backend?). `) +
        'Records since the last acknowledged STATE were not committed; the next run resumes from that state.' +
        (timedOut ? ' If the database is only slow or a batch between two STATEs is large, raise statement_timeout_ms in the destination config (0 = no limit).' : ''),
      { failureType: 'transient_error', cause: error },
    );
  }
  const lost =
    (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code === 'ECONNRESET' || code === 'EPIPE')) ||
    /Connection terminated|Client has encountered a connection error/i.test(message);
  if (!lost) return withCopyContext(error);
  return new ConnectorError(
    `lost the connection to Postgres at ${describeTarget(url)}: ${redact(message, url)}. ` +
      'Records since the last acknowledged STATE were not committed; the next run resumes from that state.',
    { failureType: 'transient_error', cause: error },
  );
}

/**
 * A COPY's error with where it happened, from Postgres' context field (`COPY customers, line 3, column
 * _raw_data: "…"`), cut before the value so that no record data reaches logs or run history:
 * `invalid input syntax for type json (COPY customers, line 3, column _raw_data)`. Any other error as it is.
 */
function withCopyContext(error: unknown): unknown {
  const where = (error as { where?: unknown } | null)?.where;
  const context = typeof where === 'string' ? /^COPY [^,]+, line \d+(?:, column [^:]+)?/m.exec(where)?.[0] : undefined;
  if (error instanceof Error && context !== undefined && !error.message.includes(context)) error.message = `${error.message} (${context})`;
  return error;
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
