/**
 * SQL identifiers. Every identifier this destination writes is quoted; names that come from the
 * user (schema, stream) must also be plain identifiers, so that the table a user queries is named
 * exactly like the stream, with no case folding, truncation or quoting surprises.
 */
import pg from 'pg';
import { ConfigError } from '@sync/connector-kit';

const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Postgres truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/** True when `name` is a plain identifier of at most 63 bytes. */
export function isSafeIdentifier(name: string): boolean {
  return SAFE_IDENTIFIER.test(name) && Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES;
}

/**
 * Checks that `name` can be used as a table or schema name as is.
 *
 * @param what what the name is, for the message: `schema`, `stream`.
 * @throws ConfigError naming the identifier when it is not /^[A-Za-z_][A-Za-z0-9_]*$/ or longer than 63 bytes.
 */
export function assertSafeIdentifier(name: string, what: string): void {
  if (isSafeIdentifier(name)) return;
  throw new ConfigError(
    `${what} name ${JSON.stringify(name)} cannot be used as a Postgres table or schema name: it must match ` +
      `[A-Za-z_][A-Za-z0-9_]* and be at most ${MAX_IDENTIFIER_BYTES} bytes. Rename it in the config or the catalog.`,
    what === 'stream' ? { stream: name } : {},
  );
}

/** `name` as a quoted SQL identifier: `"name"`, inner quotes doubled. */
export function quoteIdent(name: string): string {
  return pg.escapeIdentifier(name);
}

/** `value` as a SQL string literal, safe to embed in a statement. */
export function quoteLiteral(value: string): string {
  return pg.escapeLiteral(value);
}

/** A JSON path such as `["customer", "id"]` as a SQL `text[]` literal, for the `#>` and `#>>` operators. */
export function pathLiteral(path: readonly string[]): string {
  return `array[${path.map(quoteLiteral).join(', ')}]::text[]`;
}
