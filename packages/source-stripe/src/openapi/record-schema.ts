/**
 * The JSON Schema (draft-07) of a stream's records, converted from the object's schema in Stripe's
 * OpenAPI spec when the catalog is generated (`scripts/generate-catalog.ts`; at run time the source
 * reads the result, `src/generated/schemas.json`):
 * - types as in the spec, `nullable` as a `null` type; nothing is `required` but `id`, since the
 *   shape varies across API versions and `additionalProperties` stays open;
 * - nested objects are inlined two levels deep, deeper ones are just `object`;
 * - an expandable reference (`customer`: an id, or the customer when expanded) is
 *   `string | object`: the other object is its own stream;
 * - top-level properties keep the first sentence of Stripe's description;
 * - records may carry `_deleted: true` (a delete marker from an event, see README.md).
 * Enums are left out on purpose: Stripe adds values without a new API version.
 */
import { DELETED_FIELD } from '@sync/protocol';
import type { JsonSchema } from '../schemas.ts';
import { refName, type OasDocument, type OasSchema } from './document.ts';

/** Levels of nested objects inlined below a record's top-level properties. */
const INLINE_DEPTH = 2;

function withNull(schema: JsonSchema, nullable: boolean | undefined): JsonSchema {
  if (!nullable) return schema;
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  if (schema.anyOf) return { anyOf: [...(schema.anyOf as JsonSchema[]), { type: 'null' }] };
  return schema;
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}

class Converter {
  readonly #document: OasDocument;

  constructor(document: OasDocument) {
    this.#document = document;
  }

  /** `depth`: object levels still to inline; `seen`: components on the way here (no recursion). */
  convert(schema: OasSchema, depth: number, seen: readonly string[]): JsonSchema {
    if (schema.$ref) {
      const name = refName(schema.$ref);
      const target = this.#document.components.schemas[name] ?? {};
      if (depth <= 0 || seen.includes(name)) return withNull({ type: 'object' }, schema.nullable);
      return withNull(this.convert(target, depth, [...seen, name]), schema.nullable);
    }
    const variants = schema.anyOf ?? schema.oneOf;
    if (variants) {
      // `anyOf: [$ref]` is how the spec makes a reference nullable; keep it one schema.
      if (variants.length === 1) return withNull(this.convert(variants[0]!, depth, seen), schema.nullable);
      const converted = variants.map((v) => (v.$ref ? { type: 'object' } : this.convert(v, depth - 1, seen)));
      const unique = [...new Map(converted.map((c) => [JSON.stringify(c), c])).values()];
      return withNull(unique.length === 1 ? unique[0]! : { anyOf: unique }, schema.nullable);
    }
    if (schema.allOf?.length === 1) return withNull(this.convert(schema.allOf[0]!, depth, seen), schema.nullable);
    switch (schema.type) {
      case 'object': {
        if (!schema.properties || depth <= 0) return withNull({ type: 'object' }, schema.nullable);
        const properties = Object.fromEntries(
          Object.entries(schema.properties).map(([key, value]) => [key, this.convert(value, depth - 1, seen)]),
        );
        return withNull({ type: 'object', properties }, schema.nullable);
      }
      case 'array':
        return withNull({ type: 'array', ...(schema.items ? { items: this.convert(schema.items, depth, seen) } : {}) }, schema.nullable);
      case 'string':
      case 'integer':
      case 'number':
      case 'boolean':
        return withNull({ type: schema.type }, schema.nullable);
      default:
        return {};
    }
  }
}

/**
 * The record schema of the objects described by component `component` (e.g. `customer`) of `document`.
 * @throws Error when the spec has no object schema of that name.
 */
export function recordSchema(component: string, document: OasDocument): JsonSchema {
  const object = document.components.schemas[component];
  if (!object?.properties) throw new Error(`the Stripe spec has no object schema ${component}`);
  const converter = new Converter(document);
  const properties: Record<string, JsonSchema> = {};
  for (const key of Object.keys(object.properties).sort()) {
    const value = object.properties[key]!;
    const converted = converter.convert(value, INLINE_DEPTH, [component]);
    const description = firstSentence(value.description);
    properties[key] = description ? { ...converted, description } : converted;
  }
  properties[DELETED_FIELD] = { type: 'boolean', description: 'Present and true on a delete marker: the object was deleted in Stripe (from a `*.deleted` event).' };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['id'],
    additionalProperties: true,
    properties,
  };
}
