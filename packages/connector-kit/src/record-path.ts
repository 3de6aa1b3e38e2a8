/**
 * Values inside a record by path, as Airbyte's configured catalog names them: a primary key is a list
 * of paths (`[["id"]]`, `[["customer", "id"]]`) and a cursor field is one path (Airbyte protocol,
 * ConfiguredAirbyteStream `primary_key` and `cursor_field`).
 */

/** The value at `path` in a record's `data`; undefined when a step is missing or not an object. */
export function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
