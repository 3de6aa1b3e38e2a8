/**
 * How a record says "this object was deleted". One convention between our sources and destinations,
 * plus the ones other sources use, so every destination recognises all of them:
 *
 * - `_deleted: true`: what our sources emit (the Stripe source for `*.deleted` events and webhooks);
 *   the rest of the record is the object's last known data.
 * - `_ab_cdc_deleted_at`: non-null in Airbyte's CDC convention (Airbyte docs, "Change Data Capture":
 *   `_ab_cdc_deleted_at` holds the time of the delete).
 * - `deleted: true`: Stripe's own shape for a deleted object (`{"id": …, "object": …, "deleted": true}`,
 *   https://docs.stripe.com/api/customers/delete).
 */

/** The field our sources set to `true` on a record that stands for a deleted object. */
export const DELETED_FIELD = '_deleted';

/** The Airbyte CDC field that is non-null on a deleted row. */
export const CDC_DELETED_AT_FIELD = '_ab_cdc_deleted_at';

/** True when a record's `data` marks a deleted object in any of the conventions above. */
export function isDeletedRecord(data: Readonly<Record<string, unknown>>): boolean {
  if (data[DELETED_FIELD] === true || data.deleted === true) return true;
  const cdc = data[CDC_DELETED_AT_FIELD];
  return cdc !== undefined && cdc !== null;
}

/**
 * The same condition as SQL over a jsonb expression (e.g. `data` or `"_raw_data"`), for destinations
 * that decide in the database. `expression` is inserted as is: pass a column name or quoted identifier.
 */
export function isDeletedRecordSql(expression: string): string {
  return (
    `(coalesce((${expression} ->> '${DELETED_FIELD}') = 'true', false) or coalesce((${expression} ->> 'deleted') = 'true', false)` +
    ` or coalesce(jsonb_typeof(${expression} -> '${CDC_DELETED_AT_FIELD}') <> 'null', false))`
  );
}
