/**
 * A connector config checked against the connector's spec (`connectionSpecification`, JSON Schema;
 * Airbyte protocol "ConnectorSpecification") before it is stored, so a bad config is a 400 naming
 * its fields instead of a failed run later. Airbyte's own keywords (`airbyte_secret`, `order`, …) are
 * allowed (non-strict Ajv).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from './problem.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * What is wrong with `config` under `spec`, each error's path under `pointer` (`/source/config`).
 * Empty when it is valid, or when `spec` is not an object (no spec: nothing to check against).
 */
export function configErrors(spec: unknown, config: Record<string, unknown>, pointer: string): FieldError[] {
  if (typeof spec !== 'object' || spec === null) return [];
  let validate = compiled.get(spec);
  if (!validate) {
    try {
      validate = ajv.compile(spec);
    } catch {
      return [];
    }
    compiled.set(spec, validate);
  }
  if (validate(config)) return [];
  return (validate.errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? `/${String((error.params as { missingProperty?: string }).missingProperty)}` : '';
    // Ajv's messages quote schema facts (types, patterns, allowed values), never the value itself.
    return { path: `${pointer}${error.instancePath}${missing}`, in: 'body' as const, message: error.message ?? 'invalid' };
  });
}
