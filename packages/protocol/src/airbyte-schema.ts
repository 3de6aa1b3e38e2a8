/**
 * Airbyte's official protocol schema (`airbyte_protocol.yaml` in this package, protocol v0.3.2,
 * JSON Schema draft-07; https://github.com/airbytehq/airbyte-protocol), loaded once, for those who
 * judge messages by Airbyte's own definitions: the conformance kit and the tests. A subpath of its own
 * (`@sync/protocol/airbyte-schema`), so connectors and the engine never load YAML at run time.
 *
 * ```ts
 * import { Ajv } from 'ajv';
 * import { airbyteProtocolSchema, airbyteDefinitionRef } from '@sync/protocol/airbyte-schema';
 * const ajv = new Ajv({ strict: false }); // Airbyte's own keywords: airbyte_secret, existingJavaType
 * ajv.addSchema(airbyteProtocolSchema);
 * const validateMessage = ajv.getSchema(airbyteDefinitionRef('AirbyteMessage'));
 * ```
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The parsed `airbyte_protocol.yaml`: a draft-07 JSON Schema whose definitions are Airbyte's types. */
export interface AirbyteProtocolSchema {
  /** The schema's `$id`, the base of every definition's reference. */
  $id: string;
  /** Protocol version, `0.3.2`. */
  version: string;
  /** One JSON Schema per Airbyte type: `AirbyteMessage`, `ConfiguredAirbyteCatalog`, … */
  definitions: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** Airbyte's protocol schema, as a JSON object (read from the YAML file next to `src/` at import). */
export const airbyteProtocolSchema: AirbyteProtocolSchema = parse(
  readFileSync(new URL('../airbyte_protocol.yaml', import.meta.url), 'utf8'),
) as AirbyteProtocolSchema;

/**
 * The reference of one of the schema's definitions, for a validator that was given the whole schema
 * (`ajv.getSchema(airbyteDefinitionRef('AirbyteMessage'))`).
 *
 * @throws Error when the schema has no such definition (a typo, or a name from a newer protocol).
 */
export function airbyteDefinitionRef(definition: string): string {
  if (!(definition in airbyteProtocolSchema.definitions)) {
    throw new Error(`airbyte_protocol.yaml (v${airbyteProtocolSchema.version}) has no definition ${definition}`);
  }
  return `${airbyteProtocolSchema.$id}#/definitions/${definition}`;
}
