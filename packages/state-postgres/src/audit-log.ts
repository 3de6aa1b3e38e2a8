/**
 * The audit log (`audit_log`, migration 007): one row per change made through the API, with who made
 * it (a token's label), what, and when. Rows are only ever added; they outlive what they name.
 */
import type pg from 'pg';
import type { AuditEntry } from './service-records.ts';

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target_type: AuditEntry['targetType'];
  target_id: string;
  details: Record<string, unknown>;
}

function entryFromRow(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
  };
}

/**
 * Adds an entry, numbered and timed by the store. `details` must hold no secret (configs with their
 * secrets masked).
 *
 * @returns the entry as stored.
 * @throws Error from Postgres.
 */
export async function recordAudit(pool: pg.Pool, schema: string, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
  const { rows } = await pool.query<AuditRow>(
    `INSERT INTO ${schema}.audit_log (actor, action, target_type, target_id, details) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
    [entry.actor, entry.action, entry.targetType, entry.targetId, JSON.stringify(entry.details)],
  );
  return entryFromRow(rows[0]!);
}

/**
 * Entries, newest first (by id, the order they were added).
 * @param options.limit at most this many; default 100.
 * @param options.beforeId only entries older than this one (the next page: the last id of the previous).
 */
export async function listAudit(
  pool: pg.Pool,
  schema: string,
  options: { limit?: number | undefined; beforeId?: number | undefined } = {},
): Promise<AuditEntry[]> {
  const { rows } = await pool.query<AuditRow>(
    `SELECT * FROM ${schema}.audit_log WHERE $1::bigint IS NULL OR id < $1::bigint ORDER BY id DESC LIMIT $2`,
    [options.beforeId ?? null, options.limit ?? 100],
  );
  return rows.map(entryFromRow);
}
