/**
 * How a connector's spec (its `connectionSpecification`, a JSON Schema: Airbyte protocol,
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#actor-specification) becomes a form
 * (@rjsf/core): fields marked `airbyte_secret` are password inputs that the browser does not fill in,
 * fields follow Airbyte's `order`, and a default shows as the field's placeholder. The server checks
 * each config against the spec when it is stored; its field errors are shown on the form's fields.
 */
import type { ErrorSchema, RJSFValidationError, UiSchema } from '@rjsf/utils';

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The uiSchema of the properties of `schema` and of its `oneOf`/`anyOf`/`allOf` branches (rjsf keys them alike). */
function uiOfObject(schema: Schema): UiSchema {
  const ui: UiSchema = {};
  const branches = ['oneOf', 'anyOf', 'allOf'].flatMap((key) => (Array.isArray(schema[key]) ? (schema[key] as unknown[]).filter(isObject) : []));
  const order: { name: string; order: number }[] = [];
  for (const part of [schema, ...branches]) {
    if (!isObject(part.properties)) continue;
    for (const [name, property] of Object.entries(part.properties)) {
      if (!isObject(property)) continue;
      const field: UiSchema = { ...(isObject(ui[name]) ? (ui[name] as UiSchema) : {}), ...uiOfField(property) };
      if (Object.keys(field).length > 0) ui[name] = field;
      if (typeof property.order === 'number' && !order.some((o) => o.name === name)) order.push({ name, order: property.order });
    }
  }
  if (order.length > 0) ui['ui:order'] = [...order.sort((a, b) => a.order - b.order).map((o) => o.name), '*'];
  return ui;
}

function uiOfField(property: Schema): UiSchema {
  const ui: UiSchema = property.type === 'object' || isObject(property.properties) || Array.isArray(property.oneOf) ? uiOfObject(property) : {};
  if (property.airbyte_secret === true) {
    ui['ui:widget'] = 'password';
    ui['ui:autocomplete'] = 'new-password';
  }
  if (property.default !== undefined && !isObject(property.default) && !Array.isArray(property.default)) ui['ui:placeholder'] = String(property.default);
  return ui;
}

/** The form's uiSchema for a connector spec (a JSON Schema object). */
export function uiSchemaOf(spec: object): UiSchema {
  return uiOfObject(spec as Schema);
}

/**
 * Drops "required" errors from the form's own validation: the server fills some required fields
 * itself (the Postgres destination's `url` defaults to its own database, docs/api.md "Configs"), and
 * it reports a missing field that it cannot fill as a field error.
 */
export function withoutRequired(errors: RJSFValidationError[]): RJSFValidationError[] {
  return errors.filter((error) => error.name !== 'required');
}

/** A field error of the API (problem+json `errors`: a JSON Pointer `path` and a message). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * The server's field errors under `prefix` (`/source/config`) as an rjsf error schema for that
 * config's form, and the other errors (to show above the form).
 */
export function formErrorsOf(errors: readonly FieldError[], prefix: string): { errorSchema: ErrorSchema; other: FieldError[] } {
  const errorSchema: Schema = {};
  const other: FieldError[] = [];
  for (const error of errors) {
    if (error.path !== prefix && !error.path.startsWith(`${prefix}/`)) {
      other.push(error);
      continue;
    }
    const keys = error.path
      .slice(prefix.length)
      .split('/')
      .slice(1)
      .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
    let node = errorSchema;
    for (const key of keys) {
      if (!isObject(node[key])) node[key] = {};
      node = node[key] as Schema;
    }
    node.__errors = [...(Array.isArray(node.__errors) ? (node.__errors as string[]) : []), error.message];
  }
  return { errorSchema: errorSchema as ErrorSchema, other };
}
