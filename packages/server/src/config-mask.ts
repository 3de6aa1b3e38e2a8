/**
 * Secrets of stored connector configs in API responses: every value a spec marks `airbyte_secret`
 * (Airbyte connector specification) is returned as `SECRET_MASK`; with no spec (its `spec` failed),
 * every string is (fail closed). A PATCH that sends the mask back keeps the stored value.
 */
import { maskUrlPasswords } from '@sync/engine';
import { HttpProblem } from './problem.ts';
import { SECRET_MASK } from './schemas.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function secretPaths(schema: unknown, value: unknown): boolean | Json {
  if (!isObject(schema)) return false;
  if (schema.airbyte_secret === true) return true;
  const out: Json = {};
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const branch of branches) {
        const inner = secretPaths(branch, value);
        if (inner !== false && inner !== true) Object.assign(out, inner);
      }
    }
  }
  if (isObject(value) && isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (!(name in value)) continue;
      const inner = secretPaths(property, value[name]);
      if (inner !== false) out[name] = inner;
    }
  }
  return Object.keys(out).length > 0 ? out : false;
}

function maskAll(value: unknown): unknown {
  if (typeof value === 'string') return SECRET_MASK;
  if (Array.isArray(value)) return value.map(maskAll);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return value;
}

function maskUrls(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlPasswords(value);
  if (Array.isArray(value)) return value.map(maskUrls);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUrls(v)]));
  return value;
}

function apply(value: unknown, paths: boolean | Json): unknown {
  if (paths === true) return value === undefined || value === null ? value : typeof value === 'string' || typeof value === 'number' ? SECRET_MASK : maskAll(value);
  if (paths === false || !isObject(value)) return maskUrls(value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, apply(v, (paths[k] as boolean | Json | undefined) ?? false)]));
}

/**
 * `config` as a response shows it: secret fields (per `spec`) replaced by SECRET_MASK, passwords in
 * URLs masked; every string masked when `spec` is undefined.
 */
export function maskConfig(spec: unknown, config: Json): Json {
  if (spec === undefined) return maskAll(config) as Json;
  return apply(config, secretPaths(spec, config)) as Json;
}

/**
 * `incoming` with every SECRET_MASK value replaced by the value at the same path of `stored`.
 *
 * @throws HttpProblem 400 naming the field when the mask stands where nothing is stored.
 */
export function keepMaskedSecrets(incoming: Json, stored: Json, pointer: string): Json {
  const walk = (value: unknown, kept: unknown, path: string): unknown => {
    if (value === SECRET_MASK) {
      if (kept === undefined) {
        throw new HttpProblem(400, 'invalid-request', `${path} is the secret mask, but no value is stored there: send the secret itself`, {
          errors: [{ path, in: 'body', message: 'mask with no stored secret' }],
        });
      }
      return kept;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, Array.isArray(kept) ? kept[i] : undefined, `${path}/${i}`));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, isObject(kept) ? kept[k] : undefined, `${path}/${k}`)]));
    }
    return value;
  };
  return walk(incoming, stored, pointer) as Json;
}
