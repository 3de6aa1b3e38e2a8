/**
 * Request and response bodies of the HTTP API, in zod with descriptions: the one definition from which
 * requests are validated and `/openapi.json` is generated. JSON is snake_case, as Stripe's API is.
 */
import { z } from '@hono/zod-openapi';

/** The value a secret has in every response; sending it back in a PATCH keeps the stored secret. */
export const SECRET_MASK = '**********';

export const Problem = z
  .object({
    type: z.string().describe('A URI reference naming the kind of problem, e.g. `/problems/run-in-progress`. Stable: branch on it.'),
    title: z.string().describe('Short summary of the kind of problem.'),
    status: z.number().int().describe('The HTTP status code.'),
    detail: z.string().describe('What went wrong with this request, and what to do.'),
    instance: z.string().describe('The request path.'),
    request_id: z.string().describe('Id of the request, also in the `X-Request-Id` header and the server log.'),
    errors: z
      .array(z.object({ path: z.string().describe('JSON Pointer to the field.'), in: z.enum(['body', 'query', 'path', 'header']), message: z.string() }))
      .optional()
      .describe('For 400: each invalid field.'),
  })
  .openapi('Problem', { description: 'An error, as RFC 9457 problem details (`application/problem+json`).' });

const Config = z.record(z.string(), z.unknown()).describe(`The connector's config, as its spec describes it. Secret fields (\`airbyte_secret\`) are returned as \`${SECRET_MASK}\`.`);

export const StreamConfig = z
  .object({
    name: z.string().min(1).describe('Stream name, as the source discovers it.'),
    sync_mode: z.enum(['full_refresh', 'incremental']).optional().describe('Default: incremental where the stream supports it.'),
    destination_sync_mode: z.enum(['append', 'append_dedup', 'overwrite']).optional().describe('Default: append_dedup where the stream has a primary key, else append.'),
    cursor_field: z.array(z.string()).optional().describe("Cursor field path, when the source lets the user choose it."),
    fields: z.array(z.string().min(1)).min(1).optional().describe('Top-level fields to sync (field selection); the primary key and cursor are always kept. Default: every field.'),
  })
  .openapi('StreamConfig');

export const Schedule = z
  .object({
    cron: z.string().min(1).describe('Cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first; e.g. `*/15 * * * *`.'),
    timezone: z.string().min(1).default('UTC').describe('IANA time zone the expression is read in, e.g. `Europe/Paris`.'),
    jitter_seconds: z.number().int().min(0).max(3600).default(0).describe('Each scheduled run starts up to this many seconds late, at random.'),
  })
  .openapi('Schedule', { description: 'A scheduled run never overlaps the previous one (that tick is skipped); ticks missed while no worker ran add up to one run.' });

const Operations = {
  schedule: Schedule.nullable().optional().describe('When the pipeline runs by itself; null: never.'),
  max_attempts: z.number().int().min(1).max(20).optional().describe('Attempts of a run that fails with a transient or system error (exponential backoff); 1: no retry. Default 3.'),
  max_duration_seconds: z.number().int().min(1).nullable().optional().describe('A run past this stops at its last checkpoint and a new run continues from there; null: no limit.'),
};

const PIPELINE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const PipelineId = z.string().regex(PIPELINE_ID, 'lower-case letters, digits, `-` and `_`, at most 63, starting with a letter or digit');

export const PipelineCreate = z
  .object({
    id: PipelineId.optional().describe('Default: `<source>-<destination>`, with a number added when taken.'),
    source: z.object({ name: z.string().min(1).describe('A built-in source (`stripe`, `faker`) or `source-<name>` on the PATH.'), config: Config.default({}) }),
    destination: z.object({ name: z.string().min(1).describe('A built-in destination (`postgres`, `google-sheets`) or `destination-<name>` on the PATH.'), config: Config.default({}) }),
    streams: z.array(StreamConfig).min(1).optional().describe('Streams to sync and how. Default: every stream the source discovers, with the defaults above.'),
    ...Operations,
  })
  .openapi('PipelineCreate');

export const PipelinePatch = z
  .object({
    source: z.object({ name: z.string().min(1).optional(), config: Config.optional() }).optional(),
    destination: z.object({ name: z.string().min(1).optional(), config: Config.optional() }).optional(),
    streams: z.array(StreamConfig).min(1).nullable().optional().describe('`null`: every stream again.'),
    ...Operations,
  })
  .openapi('PipelinePatch', { description: `A config given replaces the stored one; a field sent as \`${SECRET_MASK}\` keeps its stored secret.` });

export const RunStreamCounts = z
  .object({
    records_read: z.number().int(),
    records_committed: z.number().int(),
    status: z.string().optional().describe('pending, started, running, complete or incomplete.'),
  })
  .openapi('RunStreamCounts');

export const RunRequest = z
  .object({
    full_refresh: z.boolean().optional().describe('Ignore saved state and read every stream from the beginning.'),
    streams: z.array(z.string().min(1)).min(1).optional().describe("Only these of the pipeline's streams."),
  })
  .openapi('RunRequest');

export const Run = z
  .object({
    id: z.string(),
    pipeline_id: z.string(),
    kind: z.enum(['sync', 'webhook']).describe('`webhook`: Stripe webhook deliveries applied.'),
    trigger: z.enum(['manual', 'schedule', 'retry', 'continuation', 'webhook']).describe('What queued it: a request, the schedule, a retry of a failed run, the continuation of a run stopped at its time limit, webhook deliveries.'),
    attempt: z.number().int().describe('1, or n + 1 for the retry of attempt n.'),
    previous_run_id: z.string().nullable().describe('The run this one retries or continues.'),
    takeovers: z.number().int().describe('Times the run went back to the queue because its worker died or stopped; it resumed from its last checkpoint each time.'),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
    created_at: z.string().describe('When it was queued (ISO 8601).'),
    started_at: z.string().nullable().describe('When a worker started it; null while queued.'),
    finished_at: z.string().nullable(),
    cancel_requested_at: z.string().nullable(),
    error: z.string().nullable().describe('Why it failed, secrets masked.'),
    request: RunRequest,
    streams: z.record(z.string(), RunStreamCounts),
  })
  .openapi('Run');

export const Pipeline = z
  .object({
    id: z.string(),
    source: z.object({ name: z.string(), config: Config }),
    destination: z.object({ name: z.string(), config: Config }),
    streams: z.array(StreamConfig).nullable().describe('null: every stream.'),
    schedule: Schedule.nullable(),
    next_run_at: z.string().nullable().describe('When the next scheduled run is due.'),
    max_attempts: z.number().int(),
    max_duration_seconds: z.number().int().nullable(),
    config_stored: z.boolean().describe('false for a pipeline that `sync run` made: it has history and state but no stored config, so it cannot be run from here.'),
    created_at: z.string(),
    updated_at: z.string(),
    last_run: z.union([Run, z.null()]).describe('The newest run, or null.'),
  })
  .openapi('Pipeline');

export const Connector = z
  .object({
    role: z.enum(['source', 'destination']),
    name: z.string(),
    builtin: z.boolean(),
    spec: z.record(z.string(), z.unknown()).nullable().describe("The connector's `connectionSpecification` (JSON Schema of its config); null when `spec` failed."),
    error: z.string().optional().describe('Why `spec` failed.'),
  })
  .openapi('Connector');

export const CheckResult = z
  .object({
    source: z.object({ status: z.enum(['SUCCEEDED', 'FAILED']), message: z.string().optional() }),
    destination: z.object({ status: z.enum(['SUCCEEDED', 'FAILED']), message: z.string().optional() }),
  })
  .openapi('CheckResult', { description: 'Each connector\'s `check` (Airbyte AirbyteConnectionStatus), secrets masked.' });

export const StreamStates = z
  .object({
    pipeline_id: z.string(),
    states: z.array(z.record(z.string(), z.unknown())).describe('The last acknowledged Airbyte STATE of each stream (the `state` object of AirbyteStateMessage).'),
  })
  .openapi('PipelineState');

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string().describe('Which token: `token:` and the first 12 hex digits of its sha256.'),
    action: z.string().describe('pipeline.created, pipeline.updated, pipeline.deleted, run.started, run.cancelled, state.reset'),
    target_type: z.enum(['pipeline', 'run']),
    target_id: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const RunEvent = z
  .object({
    seq: z.number().int().describe('1, 2, … in the order the engine emitted them; `?after=seq` resumes after it.'),
    at: z.string(),
    type: z.string().describe('run_created, run_started, stream_status, records_read, checkpoint, log, warning, …, and last run_finished (or stream_error when the stream itself failed).'),
  })
  .catchall(z.unknown())
  .openapi('RunEvent', { description: 'One line of `application/x-ndjson`.' });

/** `{data: [...]}`: the list envelope. */
export function list<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item) }).openapi(name);
}
