/**
 * Errors of the HTTP API as `application/problem+json` (RFC 9457, "Problem Details for HTTP APIs"):
 * `{type, title, status, detail, instance, request_id, errors?}`. `type` is a stable URI reference
 * under `/problems/`, so clients branch on it, not on the wording of `detail`. A 400 lists what was
 * wrong field by field (`errors: [{path, message}]`, `path` as a JSON Pointer, RFC 6901).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One invalid field of a request. */
export interface FieldError {
  /** JSON Pointer into the request part named by `in` (`/source/config/api_key`). */
  path: string;
  in: 'body' | 'query' | 'path' | 'header';
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable request',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** An error a route throws to answer with a problem document; anything else becomes a 500. */
export class HttpProblem extends Error {
  readonly status: ContentfulStatusCode;
  /** Last segment of the `type` URI, e.g. `run-in-progress`. */
  readonly kind: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(status: ContentfulStatusCode, kind: string, detail: string, options: { errors?: readonly FieldError[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.status = status;
    this.kind = kind;
    this.errors = options.errors;
    this.extra = options.extra ?? {};
  }
}

/** 404 for a resource that does not exist, naming it. */
export function notFound(what: string, id: string): HttpProblem {
  return new HttpProblem(404, 'not-found', `${what} ${JSON.stringify(id)} does not exist`);
}

/** The request id of this request (set by the request-id middleware). */
export function requestIdOf(c: Context): string {
  return (c.get('requestId' as never) as string | undefined) ?? 'unknown';
}

/** The problem document for `problem`, as a Response. */
export function problemResponse(c: Context, problem: HttpProblem): Response {
  const body = {
    type: `/problems/${problem.kind}`,
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.message,
    instance: new URL(c.req.url).pathname,
    request_id: requestIdOf(c),
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extra,
  };
  return c.body(JSON.stringify(body), problem.status, { 'content-type': 'application/problem+json' });
}

/** Zod issues (request validation) as field errors. */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[], where: FieldError['in']): FieldError[] {
  return issues.map((issue) => ({
    path: `/${issue.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`.replace(/^\/$/, ''),
    in: where,
    message: issue.message,
  }));
}
