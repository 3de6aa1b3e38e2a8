/**
 * Errors of the HTTP API as Errors: a problem document (`application/problem+json`, RFC 9457) becomes
 * an `ApiError` whose message is `<status> <detail>` and each invalid field, one line, so a CLI prints
 * it as it is. Any other non-2xx answer (a proxy's HTML page) keeps its status and the start of its body.
 */
import type { components } from './generated/api.ts';

/** A problem document as the server sends it (docs/api.md, "Errors"). */
export type Problem = components['schemas']['Problem'];

/** One invalid field of a 400 answer. */
export type FieldError = NonNullable<Problem['errors']>[number];

/** A non-2xx answer of the API. */
export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's `type` (`/problems/run-in-progress`): stable, branch on it; undefined when the answer was no problem document. */
  readonly type: string | undefined;
  /** The field errors of a 400. */
  readonly errors: readonly FieldError[];
  /** The server's request id (`X-Request-Id`), which finds the request in its log. */
  readonly requestId: string | undefined;

  constructor(status: number, message: string, details: { type?: string; errors?: readonly FieldError[]; requestId?: string } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = details.type;
    this.errors = details.errors ?? [];
    this.requestId = details.requestId;
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { detail, status } = body as Record<string, unknown>;
  return typeof detail === 'string' && typeof status === 'number';
}

/**
 * The error for a non-2xx `response` (its body is read): `<status> <detail>`, then the field errors
 * that `detail` does not already name (`; /source/config/api_key: Required`).
 */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const requestId = response.headers.get('x-request-id') ?? undefined;
  if (!isProblem(body)) {
    const start = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return new ApiError(response.status, `${response.status} ${response.statusText || 'error'}${start ? `: ${start}` : ''}`, requestId ? { requestId } : {});
  }
  const errors = body.errors ?? [];
  const unnamed = errors.map((e) => `${e.path || '(root)'}: ${e.message}`).filter((line) => !body.detail.includes(line));
  return new ApiError(response.status, [`${response.status} ${body.detail}`, ...unnamed].join('; '), {
    type: body.type,
    errors,
    requestId: body.request_id ?? requestId,
  });
}

/** The message of a fetch that failed without an answer (`fetch failed` hides the reason in `cause`). */
export function unreachable(baseUrl: string, error: unknown): Error {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
  return new Error(`cannot reach the sync server at ${baseUrl} (${cause}): is \`sync serve\` running there?`, { cause: error });
}
