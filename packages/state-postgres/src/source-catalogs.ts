/**
 * Source catalogs kept across runs (`source_catalogs`, migration 006): per pipeline, the catalog its
 * source last discovered, with the connector's name and version and a hash of the config it was
 * discovered with (`SourceCatalogRecord` of `@sync/engine`, whose catalog-cache.ts decides when a run
 * reuses it). A catalog is stream names and JSON Schemas, not a secret: plain jsonb. The config is
 * never stored, only its sha256.
 */
import type pg from 'pg';
import type { SourceCatalogRecord } from '@sync/engine';

/**
 * The catalog kept for a pipeline's source, or undefined. With `streams`, its catalog holds only the
 * kept streams named there, in the kept order, picked by Postgres: Stripe's catalog is 350 KB of
 * JSON, a run of one stream reads a few KB of it (issue 13).
 */
export async function loadSourceCatalog(pool: pg.Pool, schema: string, pipelineId: string, streams?: readonly string[]): Promise<SourceCatalogRecord | undefined> {
  const catalog = streams
    ? `jsonb_set(catalog, '{streams}', COALESCE((SELECT jsonb_agg(stream ORDER BY position) FROM jsonb_array_elements(catalog->'streams') WITH ORDINALITY AS kept(stream, position) WHERE stream->>'name' = ANY($2::text[])), '[]'::jsonb))`
    : 'catalog';
  const { rows } = await pool.query<{ connector: string; version: string; config_hash: string; catalog: SourceCatalogRecord['catalog']; discovered_at: Date }>(
    `SELECT connector, version, config_hash, ${catalog} AS catalog, discovered_at FROM ${schema}.source_catalogs WHERE pipeline_id = $1`,
    streams ? [pipelineId, streams] : [pipelineId],
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
    [pipelineId, record.connector, record.version, record.configHash, catalogJson(record.catalog), record.discoveredAt],
  );
}

/**
 * `JSON.stringify(catalog)`, a stream at a time: V8 stringifies a large value in a malloc'd buffer of
 * about three times its length (1 MB for Stripe's 350 KB catalog), and freeing it raises glibc's mmap
 * threshold for the rest of the engine's run (apps/cli/bin/sync.js says what that costs); one stream's
 * JSON stays far below.
 */
export function catalogJson(catalog: SourceCatalogRecord['catalog']): string {
  const { streams, ...rest } = catalog;
  const head = JSON.stringify(rest);
  const body = `"streams":[${streams.map((stream) => JSON.stringify(stream)).join(',')}]`;
  return head === '{}' ? `{${body}}` : `${head.slice(0, -1)},${body}}`;
}
