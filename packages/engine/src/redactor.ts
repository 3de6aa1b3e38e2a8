/**
 * How secrets are masked in text: every known secret value, in the forms it takes inside text, JSON
 * strings and URLs, becomes `[REDACTED]`; so does the password of any `scheme://user:password@host`
 * URL, known or not.
 */

/** What a masked value is replaced with. */
export const REDACTED = '[REDACTED]';

/** A function masking secrets in one string. */
export type Redact = (text: string) => string;

/** `scheme://user:password@` (user possibly empty); group 1 is everything before the password. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'<>]*:)([^\s@/]+)@/gi;

/**
 * Masks the password of every URL with user info in `text` (`postgres://app:hunter2@db` →
 * `postgres://app:[REDACTED]@db`), whether or not it is a known secret: a connection string a
 * connector built and logged, or an error stored by an older version.
 */
export function maskUrlPasswords(text: string): string {
  return text.includes('://') ? text.replace(URL_PASSWORD, (_, before: string) => `${before}${REDACTED}@`) : text;
}

/**
 * Builds a redactor for `values`. Each value is masked as written, JSON-escaped (as it appears inside
 * a JSON line) and percent-encoded (as it appears in a URL); longer forms first, so a secret
 * containing another is masked whole. URL passwords are masked as in `maskUrlPasswords`.
 */
export function createRedactor(values: Iterable<string>): Redact {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let masked = text;
    for (const form of ordered) if (masked.includes(form)) masked = masked.split(form).join(REDACTED);
    return maskUrlPasswords(masked);
  };
}

/**
 * A copy of `value` with every string in it masked by `redact`, at any depth: plain objects and
 * arrays are copied, other objects (a Date) are kept as they are, and object keys are not masked.
 */
export function redactDeep<T>(value: T, redact: Redact): T {
  return walk(value, redact) as T;
}

function walk(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, redact));
  if (typeof value === 'object' && value !== null) {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, redact)]));
  }
  return value;
}
