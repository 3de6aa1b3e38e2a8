/**
 * Source catalogs kept across runs (`source_catalogs`, migration 006): per pipeline, the catalog its
 * source last discovered, with the connector's name and version and a hash of the config it was
 * discovered with (`SourceCatalogRecord` of `@sync/engine`, whose catalog-cache.ts decides when a run
 * reuses it). A catalog is stream names and JSON Schemas, not a secret: plain jsonb. The config is
 * never stored, only its sha256.
 */
import type pg from 'pg';
import type { SourceCatalogRecord } from '@sync/engine';

/** The catalog kept for a pipeline's source, or undefined. */
export async function loadSourceCatalog(pool: pg.Pool, schema: string, pipelineId: string): Promise<SourceCatalogRecord | undefined> {
  const { rows } = await pool.query<{ connector: string; version: string; config_hash: string; catalog: SourceCatalogRecord['catalog']; discovered_at: Date }>(
    `SELECT connector, version, config_hash, catalog, discovered_at FROM ${schema}.source_catalogs WHERE pipeline_id = $1`,
    [pipelineId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { connector: row.connector, version: row.version, configHash: row.config_hash, catalog: row.catalog, discoveredAt: row.discovered_at };
}

/**
 * Keeps the catalog of a pipeline's source, replacing the one kept; `null` forgets it.
 *
 * @throws Error from Postgres (the pipeline must exist).
 */
export async function saveSourceCatalog(pool: pg.Pool, schema: string, pipelineId: string, record: SourceCatalogRecord | null): Promise<void> {
  if (!record) {
    await pool.query(`DELETE FROM ${schema}.source_catalogs WHERE pipeline_id = $1`, [pipelineId]);
    return;
  }
  await pool.query(
    `INSERT INTO ${schema}.source_catalogs (pipeline_id, connector, version, config_hash, catalog, discovered_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (pipeline_id) DO UPDATE SET connector = excluded.connector, version = excluded.version, config_hash = excluded.config_hash,
       catalog = excluded.catalog, discovered_at = excluded.discovered_at`,
    [pipelineId, record.connector, record.version, record.configHash, JSON.stringify(record.catalog), record.discoveredAt],
  );
}
