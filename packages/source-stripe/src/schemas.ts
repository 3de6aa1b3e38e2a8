/**
 * The JSON schemas (draft-07) of the streams' records, as generated from Stripe's OpenAPI spec
 * (src/openapi/record-schema.ts says how) into `src/generated/schemas.json`: about 300 KB, read and
 * parsed the first time `discover` asks, never by `read`.
 */
import { readFileSync } from 'node:fs';

export type JsonSchema = Record<string, unknown>;

let schemas: Readonly<Record<string, JsonSchema>> | undefined;

/**
 * The record schema of stream `stream` (e.g. `customers`), read from the generated file (the
 * generator's `recordSchema` in src/openapi/record-schema.ts builds it from the OpenAPI document).
 * @throws Error when the generated file has no schema for it (a stream added without regenerating).
 */
export function streamRecordSchema(stream: string): JsonSchema {
  schemas ??= JSON.parse(readFileSync(new URL('./generated/schemas.json', import.meta.url), 'utf8')) as Record<string, JsonSchema>;
  const schema = schemas[stream];
  if (!schema) throw new Error(`src/generated/schemas.json has no schema for stream ${stream}: regenerate it (node packages/source-stripe/scripts/generate-catalog.ts)`);
  return schema;
}
