/**
 * Config a connector asks to change with a CONTROL message (Airbyte protocol,
 * AirbyteControlConnectorConfigMessage: "the config items ... that should be persisted"): a refreshed
 * OAuth token, the id of a spreadsheet a destination created. The engine keeps only the keys that
 * changed and lays them over the given config on the pipeline's next run.
 */

/** The top-level keys of `updated` whose values differ from `current`, with their new values. */
export function changedKeys(current: Record<string, unknown>, updated: Record<string, unknown>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(updated)) {
    if (JSON.stringify(value) !== JSON.stringify(current[key])) changes[key] = value;
  }
  return changes;
}
