/**
 * Error responses in Stripe's shape (https://docs.stripe.com/api/errors):
 * `{ error: { type, message, code?, param?, doc_url? } }` with the matching HTTP status.
 */

export interface StripeErrorResponse {
  status: number;
  body: { error: { type: string; message: string; code?: string; param?: string; doc_url?: string } };
  headers?: Record<string, string>;
}

function error(status: number, type: string, message: string, extra: { code?: string; param?: string } = {}): StripeErrorResponse {
  const docUrl = extra.code ? { doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` } : {};
  return { status, body: { error: { type, message, ...extra, ...docUrl } } };
}

/** 400 for a query parameter with a bad value. */
export function invalidParameter(param: string, message: string): StripeErrorResponse {
  return error(400, 'invalid_request_error', message, { param });
}

/** 400 for a parameter the endpoint does not know (Stripe rejects those rather than ignoring them). */
export function unknownParameter(param: string): StripeErrorResponse {
  return error(400, 'invalid_request_error', `Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

/** A missing object: 404 on retrieve, 400 when named by a list cursor (`param` says which). */
export function noSuchObject(status: 400 | 404, object: string, id: string, param: string): StripeErrorResponse {
  return error(status, 'invalid_request_error', `No such ${object}: '${id}'`, { code: 'resource_missing', param });
}

export function unrecognizedUrl(method: string, path: string): StripeErrorResponse {
  return error(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );
}

/** 401, masking the key as Stripe does: all but the last four characters hidden. */
export function invalidApiKey(key: string | undefined): StripeErrorResponse {
  if (!key) {
    return error(
      401,
      'invalid_request_error',
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const prefix = key.match(/^(sk|rk|pk)_(test|live)_/)?.[0] ?? '';
  const masked = `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
  return error(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, { code: 'api_key_invalid' });
}

/** The response of an injected fault: Stripe's 429 `rate_limit`, or an `api_error` for 5xx. */
export function injectedFault(status: number, retryAfterSeconds: number | undefined): StripeErrorResponse {
  if (status === 429) {
    return {
      ...error(429, 'invalid_request_error', 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.', { code: 'rate_limit' }),
      headers: { 'retry-after': String(retryAfterSeconds ?? 1) },
    };
  }
  const response = error(status, 'api_error', 'An unknown error occurred while processing your request. Please retry.');
  return retryAfterSeconds === undefined ? response : { ...response, headers: { 'retry-after': String(retryAfterSeconds) } };
}

/** 400 for a product the account has not turned on, as Stripe answers for Issuing, Treasury, Climate, …. */
export function featureNotEnabled(path: string): StripeErrorResponse {
  return error(400, 'invalid_request_error', `Your account is not set up to use the feature behind ${path}. Please contact us via https://support.stripe.com/contact to request access.`);
}

/** 403 for a restricted key without read access to a resource. */
export function permissionDenied(key: string, path: string): StripeErrorResponse {
  return error(403, 'invalid_request_error', `The provided key '${key.slice(0, 8)}***${key.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_emulator'. Having the 'rak_read' permission would allow this request to continue. (${path})`, { code: 'secret_key_required' });
}

/** 400 for a form body Stripe could not read, or a field it does not take. */
export function invalidBody(message: string): StripeErrorResponse {
  return error(400, 'invalid_request_error', message);
}
