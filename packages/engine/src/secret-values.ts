/**
 * What is secret in a connector's config. Found by the connector's own spec, not by a list of key
 * names: every config property whose JSON Schema carries `airbyte_secret: true` (Airbyte protocol,
 * ConnectorSpecification, https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#actor-specification),
 * at any depth, inside `oneOf`/`anyOf`/`allOf` branches and array items too. Without a spec every
 * string of the config counts (fail closed). Credentials inside URLs count on their own as well, in
 * any string of the config, so the password of `postgres://user:PASSWORD@host/db` is masked even
 * where it appears without the rest of the URL.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every leaf (string, number) of a value that is secret as a whole, as strings. */
function leaves(value: unknown, out: Set<string>): void {
  if (typeof value === 'string' && value !== '') out.add(value);
  else if (typeof value === 'number' || typeof value === 'bigint') out.add(String(value));
  else if (Array.isArray(value)) for (const item of value) leaves(item, out);
  else if (isObject(value)) for (const item of Object.values(value)) leaves(item, out);
}

/**
 * The values in `config` that `schema` (a connector's `connectionSpecification`) marks as secret, as
 * strings (a secret number such as a PIN too). Walks the schema alongside the config, so a secret
 * nested in an object, an array or one branch of a `oneOf` (an auth method) is found.
 *
 * @param out set to add to; returned.
 */
export function secretValues(schema: unknown, config: unknown, out: Set<string> = new Set()): Set<string> {
  if (!isObject(schema)) return out;
  if (schema.airbyte_secret === true) {
    leaves(config, out);
    return out;
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const branch of branches) secretValues(branch, config, out);
  }
  if (isObject(config) && isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (name in config) secretValues(property, config[name], out);
    }
  }
  if (Array.isArray(config) && schema.items !== undefined) {
    for (const item of config) secretValues(schema.items, item, out);
  }
  return out;
}

/** Every non-empty string in `value`, at any depth: the secrets of a config whose spec is unknown. */
export function stringValues(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string' && value !== '') out.add(value);
  else if (Array.isArray(value)) for (const item of value) stringValues(item, out);
  else if (isObject(value)) for (const item of Object.values(value)) stringValues(item, out);
  return out;
}

/** Query and fragment parameters whose values are credentials (`?access_token=…`, `&sig=…`). */
const CREDENTIAL_PARAMETER = /token|key|secret|pass|pwd|auth|sig|credential|session|code/i;
/**
 * A user name with no password is a credential when it is this long: `https://<token>@host` (a
 * GitHub token, an API key); a short one (`postgres`) is an account name, and masking it would blank
 * every word it is part of.
 */
const TOKEN_USERNAME_LENGTH = 16;
const URL_PATTERN = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The credentials inside the URLs in `text`: the password of the user info (and a token-shaped user
 * name that has no password), and the values of query or fragment parameters named like credentials.
 * Each is returned as written in the URL and decoded.
 *
 * @example urlSecrets('postgres://app:s%40fe@db/x?sslmode=require') → ['s%40fe', 's@fe']
 */
export function urlSecrets(text: string): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    if (value === '') return;
    found.add(value);
    found.add(decode(value));
  };
  for (const [candidate] of text.matchAll(URL_PATTERN)) {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.password) add(url.password);
    else if (url.username.length >= TOKEN_USERNAME_LENGTH) add(url.username);
    const fragment = new URLSearchParams(url.hash.slice(1));
    for (const params of [url.searchParams, fragment]) {
      for (const [name, value] of params) if (CREDENTIAL_PARAMETER.test(name)) add(value);
    }
  }
  return [...found];
}

/** The credentials inside the URLs of every string in `value`, at any depth (see `urlSecrets`). */
export function urlSecretsIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  for (const text of stringValues(value)) if (text.includes('://')) for (const secret of urlSecrets(text)) out.add(secret);
  return out;
}
