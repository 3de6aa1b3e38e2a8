/**
 * Connector specs kept across runs (`connector_specs`, migration 005): the `connectionSpecification`
 * a connector's `spec` printed, per connector name and version (`ConnectorCommand.version` of
 * `@sync/engine`). The engine reads specs only to mask secrets; keeping them spares a `spec` process
 * per connector and run. A spec is a JSON Schema, not a secret: it is stored as plain jsonb.
 */
import type pg from 'pg';

/** Versions kept per connector; saving a newer one forgets the oldest beyond this. */
export const SPEC_VERSIONS_KEPT = 3;

/** The kept `connectionSpecification` of `connector` at `version`, or undefined. */
export async function loadConnectorSpec(pool: pg.Pool, schema: string, connector: string, version: string): Promise<unknown> {
  const { rows } = await pool.query<{ connection_specification: unknown }>(
    `SELECT connection_specification FROM ${schema}.connector_specs WHERE connector = $1 AND version = $2`,
    [connector, version],
  );
  return rows[0]?.connection_specification;
}

/**
 * Keeps a connector's `connectionSpecification` for its version (replacing one kept for that version),
 * then forgets all but the `SPEC_VERSIONS_KEPT` most recently saved versions of the connector.
 *
 * @throws Error from Postgres.
 */
export async function saveConnectorSpec(pool: pg.Pool, schema: string, connector: string, version: string, spec: unknown): Promise<void> {
  await pool.query(
    `INSERT INTO ${schema}.connector_specs (connector, version, connection_specification) VALUES ($1, $2, $3)
     ON CONFLICT (connector, version) DO UPDATE SET connection_specification = excluded.connection_specification, saved_at = now()`,
    [connector, version, JSON.stringify(spec)],
  );
  await pool.query(
    `DELETE FROM ${schema}.connector_specs WHERE connector = $1 AND version NOT IN (
       SELECT version FROM ${schema}.connector_specs WHERE connector = $1 ORDER BY saved_at DESC, version LIMIT $2)`,
    [connector, SPEC_VERSIONS_KEPT],
  );
}
