/**
 * Stripe webhook deliveries (`webhook_deliveries`, migration 007): events the webhook route verified,
 * kept until a run of kind `webhook` applies them, in the order received. One row per pipeline and
 * event id: Stripe delivers an event again when it is not sure it arrived
 * (https://docs.stripe.com/webhooks#handle-duplicate-events), and a redelivery is recognised here.
 */
import type pg from 'pg';
import type { WebhookDelivery } from './service-records.ts';

interface DeliveryRow {
  id: string;
  pipeline_id: string;
  event_id: string;
  event_type: string;
  event: Record<string, unknown>;
  received_at: Date;
  applied_at: Date | null;
  run_id: string | null;
}

function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: Number(row.id),
    pipelineId: row.pipeline_id,
    eventId: row.event_id,
    eventType: row.event_type,
    event: row.event,
    receivedAt: row.received_at,
    ...(row.applied_at ? { appliedAt: row.applied_at } : {}),
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
  };
}

/**
 * Keeps a verified event of the pipeline, unless one with its id is kept already.
 *
 * @param event the Stripe event object: its `id` and `type` are stored apart.
 * @returns the delivery kept (the earlier one for a duplicate) and whether the event was a duplicate.
 * @throws Error when `event.id` or `event.type` is not a non-empty string, or the pipeline does not
 *   exist; Error from Postgres.
 */
export async function saveWebhookDelivery(
  pool: pg.Pool,
  schema: string,
  pipelineId: string,
  event: Record<string, unknown>,
): Promise<{ delivery: WebhookDelivery; duplicate: boolean }> {
  const { id, type } = event;
  if (typeof id !== 'string' || id === '' || typeof type !== 'string' || type === '') {
    throw new Error(`cannot keep a webhook event for pipeline ${JSON.stringify(pipelineId)}: it needs a string "id" and "type" (a Stripe event object)`);
  }
  try {
    const { rows } = await pool.query<DeliveryRow>(
      `INSERT INTO ${schema}.webhook_deliveries (pipeline_id, event_id, event_type, event) VALUES ($1, $2, $3, $4)
       ON CONFLICT (pipeline_id, event_id) DO NOTHING RETURNING *`,
      [pipelineId, id, type, JSON.stringify(event)],
    );
    if (rows[0]) return { delivery: deliveryFromRow(rows[0]), duplicate: false };
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new Error(`cannot keep webhook event ${id}: pipeline ${JSON.stringify(pipelineId)} does not exist`, { cause: error });
    }
    throw error;
  }
  const { rows } = await pool.query<DeliveryRow>(`SELECT * FROM ${schema}.webhook_deliveries WHERE pipeline_id = $1 AND event_id = $2`, [
    pipelineId,
    id,
  ]);
  return { delivery: deliveryFromRow(rows[0]!), duplicate: true };
}

/** The pipeline's deliveries not applied yet, oldest first (by id), at most `limit`. */
export async function pendingWebhookDeliveries(pool: pg.Pool, schema: string, pipelineId: string, limit: number): Promise<WebhookDelivery[]> {
  const { rows } = await pool.query<DeliveryRow>(
    `SELECT * FROM ${schema}.webhook_deliveries WHERE pipeline_id = $1 AND applied_at IS NULL ORDER BY id LIMIT $2`,
    [pipelineId, limit],
  );
  return rows.map(deliveryFromRow);
}

/**
 * Marks deliveries applied (now) by the run `runId`. Deliveries applied already keep their first run.
 *
 * @returns how many were marked now.
 * @throws Error from Postgres (the run must exist).
 */
export async function markWebhookDeliveriesApplied(pool: pg.Pool, schema: string, ids: readonly number[], runId: string): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await pool.query(
    `UPDATE ${schema}.webhook_deliveries SET applied_at = clock_timestamp(), run_id = $2 WHERE id = ANY($1::bigint[]) AND applied_at IS NULL`,
    [ids.map(String), runId],
  );
  return rowCount ?? 0;
}
