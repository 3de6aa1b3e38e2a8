/**
 * How secrets are masked in text: every known secret value, in the forms it takes inside text, JSON
 * strings and URLs, becomes `[REDACTED]`, and so does the start of one cut short by a snippet (`sk_li…`);
 * so does the password of any `scheme://user:password@host` URL, known or not.
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

/** Marks of text cut short: a snippet of a line (`…`), or an older library's `...`. */
const ELLIPSES = ['…', '...'];
/** The shortest start of a secret masked when it ends where text was cut short, in characters. */
const CUT_SECRET_MIN = 3;

const escapeJson = (text: string) => JSON.stringify(text).slice(1, -1);

/**
 * Masks the starts of `forms` that end right where `text` was cut short (before an ellipsis): an
 * error quoting a line in a snippet of N characters may cut a secret anywhere.
 */
function maskCutSecrets(text: string, forms: readonly string[]): string {
  let masked = text;
  for (const ellipsis of ELLIPSES) {
    let at = masked.indexOf(ellipsis);
    while (at !== -1) {
      let longest = 0;
      for (const form of forms) {
        for (let length = Math.min(form.length - 1, at); length >= CUT_SECRET_MIN && length > longest; length--) {
          if (masked.startsWith(form.slice(0, length), at - length)) longest = length;
        }
      }
      if (longest > 0) {
        masked = `${masked.slice(0, at - longest)}${REDACTED}${masked.slice(at)}`;
        at += REDACTED.length - longest;
      }
      at = masked.indexOf(ellipsis, at + ellipsis.length);
    }
  }
  return masked;
}

/**
 * Builds a redactor for `values`. Each value is masked as written, JSON-escaped once (as it appears
 * inside a JSON line) and twice (a JSON line quoted in an error), and percent-encoded (as it appears
 * in a URL); longer forms first, so a secret containing another is masked whole. The start of a form
 * that ends where the text was cut short (`…`, `...`) is masked too, and URL passwords as in
 * `maskUrlPasswords`.
 */
export function createRedactor(values: Iterable<string>): Redact {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    forms.add(value);
    forms.add(escapeJson(value));
    forms.add(escapeJson(escapeJson(value)));
    forms.add(encodeURIComponent(value));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let masked = text;
    for (const form of ordered) if (masked.includes(form)) masked = masked.split(form).join(REDACTED);
    if (ordered.length > 0 && ELLIPSES.some((ellipsis) => masked.includes(ellipsis))) masked = maskCutSecrets(masked, ordered);
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
