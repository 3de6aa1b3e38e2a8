/**
 * Field selection (Airbyte's column selection, https://docs.airbyte.com/using-airbyte/configuring-schema#select-fields):
 * a stream keeps only some of its top-level fields. The configured catalog's schema lists only those,
 * so the destination makes no column for the others, and the engine drops the other top-level keys
 * of each RECORD's `data` before forwarding it. Nested objects are kept whole.
 *
 * Records of a stream with a selection are therefore re-encoded; those of every other stream are still
 * forwarded as the source wrote them (docs/decisions/0003).
 */
import type { AirbyteStream, MessageOf } from '@sync/protocol';
import { RunConfigError } from './errors.ts';

/** A stream's schema pruned to a field selection, and the top-level fields its records keep. */
export interface FieldSelection {
  /** The stream's `json_schema` with only the kept `properties` (and `required` cut to them). */
  schema: Record<string, unknown>;
  /** The kept top-level fields: the selected ones and the always-kept ones. */
  kept: ReadonlySet<string>;
}

/**
 * Prunes `stream`'s schema to `fields` plus `alwaysKept` (the primary key's and the cursor's
 * top-level fields, kept whether selected or not, so the destination can still upsert and the
 * source still checkpoint).
 *
 * @throws RunConfigError naming each selected field the schema lacks, with the fields it has; or
 *   saying that the schema lists no properties to select from.
 */
export function selectFields(stream: AirbyteStream, fields: readonly string[], alwaysKept: readonly string[]): FieldSelection {
  const properties = propertiesOf(stream.json_schema);
  if (!properties) {
    throw new RunConfigError(`stream ${stream.name} cannot have its fields selected: its schema lists no properties; leave out fields`);
  }
  const unknown = fields.filter((field) => !Object.hasOwn(properties, field));
  if (unknown.length > 0) {
    throw new RunConfigError(
      `stream ${stream.name} has no field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} to select; its fields: ${Object.keys(properties).join(', ')}`,
    );
  }
  const kept = new Set([...fields, ...alwaysKept]);
  const schema: Record<string, unknown> = {
    ...stream.json_schema,
    properties: Object.fromEntries(Object.entries(properties).filter(([field]) => kept.has(field))),
  };
  const required = stream.json_schema.required;
  if (Array.isArray(required)) schema.required = required.filter((field) => typeof field === 'string' && kept.has(field));
  return { schema, kept };
}

/** The RECORD as an NDJSON line (no newline) with only the `kept` top-level keys of its `data`, in their order. */
export function withFields(message: MessageOf<'RECORD'>, kept: ReadonlySet<string>): string {
  // fromEntries defines properties, so a `__proto__` key of the source's JSON stays a plain key.
  const data = Object.fromEntries(Object.entries(message.record.data).filter(([field]) => kept.has(field)));
  return JSON.stringify({ ...message, record: { ...message.record, data } });
}

/** The names of a JSON Schema's `properties`, or none. */
export function propertyNames(schema: unknown): string[] {
  const properties = propertiesOf(schema);
  return properties ? Object.keys(properties) : [];
}

/** A JSON Schema's `properties` object, or undefined when it has none. */
export function propertiesOf(schema: unknown): Record<string, unknown> | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const properties = (schema as { properties?: unknown }).properties;
  return typeof properties === 'object' && properties !== null && !Array.isArray(properties) ? (properties as Record<string, unknown>) : undefined;
}
