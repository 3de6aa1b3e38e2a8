/**
 * Validators from Airbyte's official protocol schema (`airbyteProtocolSchema` of
 * `@sync/protocol/airbyte-schema`: airbyte_protocol.yaml, protocol v0.3.2, draft-07), and a compiler
 * for the JSON Schemas connectors publish (config specs, stream schemas). The suite judges connectors
 * by Airbyte's schema, not by our zod types, so a connector that passes here is accepted by Airbyte
 * platforms too.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { airbyteDefinitionRef, airbyteProtocolSchema } from '@sync/protocol/airbyte-schema';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// strict: false because Airbyte schemas carry their own keywords (airbyte_secret, existingJavaType).
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema(airbyteProtocolSchema);

const validateAirbyteMessage = ajv.getSchema(airbyteDefinitionRef('AirbyteMessage'))!;

/** One line of what went wrong, from ajv's errors: `/record/emitted_at must be integer`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}

/** Checks a parsed line against Airbyte's `AirbyteMessage`; returns the problem, or undefined. */
export function airbyteMessageProblem(value: unknown): string | undefined {
  return validateAirbyteMessage(value) ? undefined : describeErrors(validateAirbyteMessage.errors);
}

/**
 * Compiles a JSON Schema a connector published (its config spec or a stream's `json_schema`).
 *
 * @returns the validator, or the reason the schema is not valid JSON Schema.
 */
export function compileSchema(schema: unknown): { validate: ValidateFunction } | { problem: string } {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return { problem: 'not a JSON object' };
  // A fresh instance per schema: connectors reuse `$id`s, and one bad schema must not poison the next.
  const local = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: true }));
  // Formats Airbyte and Stripe schemas use beyond JSON Schema's own: known, so ajv does not warn.
  local.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  try {
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    if (!local.validateSchema(rest)) return { problem: describeErrors(local.errors) };
    return { validate: local.compile(rest) };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}
