/**
 * Config values connectors asked to persist with a CONTROL message (Airbyte protocol,
 * AirbyteControlConnectorConfigMessage): a refreshed OAuth token, the id of a spreadsheet. They are
 * secrets, so they are stored sealed (`secret-box.ts`) in `connector_config_updates.sealed_changes`,
 * bound to their pipeline and role.
 *
 * Rows written in plaintext by an older version (`changes`, migration 004 keeps them) are sealed when
 * they are next read (the pipeline's next run), or all at once by `resealConfigUpdates` (`sync
 * secrets rotate-key`, reseal-secrets.ts).
 */
import type pg from 'pg';
import type { ConfigUpdateRecord, ConnectorRole } from '@sync/engine';
import { inTransaction } from './connection.ts';
import type { ResealResult } from './reseal-secrets.ts';
import { SecretKeyError, type SecretKeyring } from './secret-box.ts';
import type { SecretKeySource } from './secret-key.ts';

interface ConfigUpdateRow {
  pipeline_id: string;
  role: ConnectorRole;
  connector: string;
  changes: Record<string, unknown> | null;
  sealed_changes: string | null;
  updated_at: Date;
}

/** What a sealed value is bound to (its additional authenticated data); must never change. */
const context = (pipelineId: string, role: ConnectorRole) => `connector_config_updates:${JSON.stringify(pipelineId)}:${role}`;
const label = (pipelineId: string, role: ConnectorRole) => `the ${role} config saved for pipeline ${JSON.stringify(pipelineId)}`;

/** The key source, or an error saying the store was opened without one. */
export function requireKeys(keys: SecretKeySource | undefined): SecretKeySource {
  if (!keys) {
    throw new SecretKeyError(
      'the state store was opened without a secret key (StateStoreOptions.secretKeys), so it cannot keep or read saved connector config',
    );
  }
  return keys;
}

function openRow(row: ConfigUpdateRow, keyring: SecretKeyring | undefined, origin: string): Record<string, unknown> {
  if (row.sealed_changes === null) return row.changes ?? {};
  if (!keyring) {
    throw new SecretKeyError(
      `${label(row.pipeline_id, row.role)} is encrypted with key ${safeKeyId(row.sealed_changes)}, but there is no key: ` +
        `SYNC_SECRET_KEY is unset and ${origin} does not exist. Restore that key (file or SYNC_SECRET_KEY), or drop the saved config ` +
        `with \`sync secrets forget --pipeline ${row.pipeline_id}\` (the connector then starts from the config you give it)`,
    );
  }
  try {
    return JSON.parse(keyring.open(row.sealed_changes, context(row.pipeline_id, row.role))) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    throw new SecretKeyError(`cannot read ${label(row.pipeline_id, row.role)}: ${error.message}`);
  }
}

function safeKeyId(sealed: string): string {
  return sealed.split('.')[1] ?? '?';
}

/**
 * The saved changes of a pipeline's source and destination. Plaintext rows of an older version are
 * returned and sealed in place.
 *
 * @throws SecretKeyError when a row is sealed with a key that `keys` does not hold, or there is no key.
 */
export async function loadConfigUpdates(
  pool: pg.Pool,
  schema: string,
  keys: SecretKeySource | undefined,
  pipelineId: string,
): Promise<Partial<Record<ConnectorRole, ConfigUpdateRecord>>> {
  const { rows } = await pool.query<ConfigUpdateRow>(
    `SELECT pipeline_id, role, connector, changes, sealed_changes, updated_at FROM ${schema}.connector_config_updates WHERE pipeline_id = $1`,
    [pipelineId],
  );
  if (rows.length === 0) return {};
  const source = requireKeys(keys);
  const keyring = rows.some((row) => row.sealed_changes === null) ? await source.loadOrCreate() : await source.load();
  const updates: Partial<Record<ConnectorRole, ConfigUpdateRecord>> = {};
  for (const row of rows) {
    const changes = openRow(row, keyring, source.origin);
    if (row.sealed_changes === null && keyring) {
      await pool.query(
        `UPDATE ${schema}.connector_config_updates SET sealed_changes = $3, changes = NULL
         WHERE pipeline_id = $1 AND role = $2 AND sealed_changes IS NULL`,
        [row.pipeline_id, row.role, keyring.seal(JSON.stringify(changes), context(row.pipeline_id, row.role))],
      );
    }
    updates[row.role] = { connector: row.connector, changes, updatedAt: row.updated_at };
  }
  return updates;
}

/**
 * Merges `update.changes` over the saved changes of the pipeline and role and stores the result
 * sealed with the current key (creating the key file on first use), in one transaction.
 *
 * @throws SecretKeyError when the saved changes cannot be opened; Error from Postgres.
 */
export async function saveConfigUpdate(
  pool: pg.Pool,
  schema: string,
  where: string,
  keys: SecretKeySource | undefined,
  pipelineId: string,
  role: ConnectorRole,
  update: { connector: string; changes: Record<string, unknown>; runId?: string },
): Promise<void> {
  const keyring = await requireKeys(keys).loadOrCreate();
  await inTransaction(pool, where, async (client) => {
    const { rows } = await client.query<ConfigUpdateRow>(
      `SELECT pipeline_id, role, connector, changes, sealed_changes, updated_at FROM ${schema}.connector_config_updates
       WHERE pipeline_id = $1 AND role = $2 FOR UPDATE`,
      [pipelineId, role],
    );
    const previous = rows[0] ? openRow(rows[0], keyring, keyring.origin) : {};
    const sealed = keyring.seal(JSON.stringify({ ...previous, ...update.changes }), context(pipelineId, role));
    await client.query(
      `INSERT INTO ${schema}.connector_config_updates (pipeline_id, role, connector, changes, sealed_changes, run_id)
       VALUES ($1, $2, $3, NULL, $4, $5)
       ON CONFLICT (pipeline_id, role) DO UPDATE SET connector = excluded.connector, changes = NULL,
         sealed_changes = excluded.sealed_changes, run_id = excluded.run_id, updated_at = now()`,
      [pipelineId, role, update.connector, sealed, update.runId ?? null],
    );
  });
}

/**
 * Seals every saved config change with the current key of `keyring`, in the caller's transaction
 * (`resealSecrets`): plaintext rows and rows sealed with an older key of the ring; counts go to `result`.
 *
 * @throws SecretKeyError naming the pipeline of a row sealed with a key the ring does not hold.
 */
export async function resealConfigUpdates(client: pg.ClientBase, schema: string, keyring: SecretKeyring, result: ResealResult): Promise<void> {
  const { rows } = await client.query<ConfigUpdateRow>(
    `SELECT pipeline_id, role, connector, changes, sealed_changes, updated_at FROM ${schema}.connector_config_updates FOR UPDATE`,
  );
  for (const row of rows) {
    if (row.sealed_changes !== null && safeKeyId(row.sealed_changes) === keyring.currentId) {
      result.unchanged++;
      continue;
    }
    const changes = openRow(row, keyring, keyring.origin);
    await client.query(
      `UPDATE ${schema}.connector_config_updates SET sealed_changes = $3, changes = NULL WHERE pipeline_id = $1 AND role = $2`,
      [row.pipeline_id, row.role, keyring.seal(JSON.stringify(changes), context(row.pipeline_id, row.role))],
    );
    if (row.sealed_changes === null) result.encrypted++;
    else result.resealed++;
  }
}

/**
 * Deletes the saved config of a pipeline (both roles, or one): the way out when its key is lost.
 *
 * @returns the number of rows deleted.
 */
export async function forgetConfigUpdates(pool: pg.Pool, schema: string, pipelineId: string, role?: ConnectorRole): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM ${schema}.connector_config_updates WHERE pipeline_id = $1 ${role ? 'AND role = $2' : ''}`,
    role ? [pipelineId, role] : [pipelineId],
  );
  return rowCount ?? 0;
}
