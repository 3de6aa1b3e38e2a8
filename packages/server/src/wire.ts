/**
 * The store's records as the API's JSON (snake_case, ISO 8601 times), and engine events as event-stream
 * lines. Configs are masked here, so no route can return a stored secret by forgetting to.
 */
import type { PipelineStream, RunEventRecord, ServiceRunRecord, StoredPipeline } from '@sync/state-postgres';
import { maskConfig } from './config-mask.ts';

type Json = Record<string, unknown>;

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

/** camelCase → snake_case for one key. */
export const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A stored stream config as JSON. */
export function streamJson(stream: PipelineStream): Json {
  return {
    name: stream.name,
    ...(stream.syncMode ? { sync_mode: stream.syncMode } : {}),
    ...(stream.destinationSyncMode ? { destination_sync_mode: stream.destinationSyncMode } : {}),
    ...(stream.cursorField ? { cursor_field: stream.cursorField } : {}),
    ...(stream.fields ? { fields: stream.fields } : {}),
  };
}

/** A stream config from JSON (already validated). */
export function streamFromJson(stream: { name: string; sync_mode?: PipelineStream['syncMode']; destination_sync_mode?: PipelineStream['destinationSyncMode']; cursor_field?: string[]; fields?: string[] }): PipelineStream {
  return {
    name: stream.name,
    ...(stream.sync_mode ? { syncMode: stream.sync_mode } : {}),
    ...(stream.destination_sync_mode ? { destinationSyncMode: stream.destination_sync_mode } : {}),
    ...(stream.cursor_field ? { cursorField: stream.cursor_field } : {}),
    ...(stream.fields ? { fields: stream.fields } : {}),
  };
}

/** A run as JSON. */
export function runJson(run: ServiceRunRecord) {
  // The store keeps a run's start at its queueing time until a worker takes it over.
  const neverStarted = run.status === 'queued' || (run.status === 'cancelled' && run.startedAt.getTime() === run.createdAt.getTime());
  return {
    id: run.id,
    pipeline_id: run.pipelineId,
    kind: run.kind,
    trigger: run.trigger,
    attempt: run.attempt,
    previous_run_id: run.previousRunId ?? null,
    takeovers: run.takeovers,
    status: run.status,
    created_at: run.createdAt.toISOString(),
    started_at: neverStarted ? null : run.startedAt.toISOString(),
    finished_at: iso(run.finishedAt),
    cancel_requested_at: iso(run.cancelRequestedAt),
    error: run.error ?? null,
    request: {
      ...(run.request.fullRefresh ? { full_refresh: true } : {}),
      ...(run.request.streams ? { streams: run.request.streams } : {}),
    },
    streams: Object.fromEntries(
      Object.entries(run.streams).map(([name, s]) => [name, { records_read: s.recordsRead, records_committed: s.recordsCommitted, ...(s.status ? { status: s.status } : {}) }]),
    ),
  };
}

/** A pipeline as JSON, its configs masked with the connectors' specs (undefined spec: mask every string). */
export function pipelineJson(pipeline: StoredPipeline, specs: { source: unknown; destination: unknown }, lastRun: ServiceRunRecord | undefined) {
  return {
    id: pipeline.id,
    source: { name: pipeline.source.name, config: maskConfig(specs.source, pipeline.source.config) },
    destination: { name: pipeline.destination.name, config: maskConfig(specs.destination, pipeline.destination.config) },
    streams: pipeline.streams ? pipeline.streams.map(streamJson) : null,
    schedule: pipeline.operations.schedule
      ? { cron: pipeline.operations.schedule.cron, timezone: pipeline.operations.schedule.timezone, jitter_seconds: pipeline.operations.schedule.jitterSeconds }
      : null,
    next_run_at: iso(pipeline.operations.nextRunAt),
    max_attempts: pipeline.operations.maxAttempts,
    max_duration_seconds: pipeline.operations.maxDurationSeconds ?? null,
    config_stored: pipeline.configStored,
    created_at: pipeline.createdAt.toISOString(),
    updated_at: pipeline.updatedAt.toISOString(),
    last_run: lastRun ? runJson(lastRun) : null,
  };
}

function snakeDeep(value: unknown, depth: number): unknown {
  if (value instanceof Date) return value.toISOString();
  if (depth > 1 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => snakeDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeDeep(v, depth + 1)]));
}

/**
 * An engine event (already masked) as stored and streamed: snake_case keys; `run_started` keeps the
 * configured streams' names and modes, not their JSON schemas; `config_update` keeps the keys, never
 * the values.
 */
export function eventForWire(event: { type: string } & Json): Json {
  if (event.type === 'run_started') {
    const catalog = event.catalog as { streams: { stream: { name: string }; sync_mode: string; destination_sync_mode: string }[] };
    return {
      type: 'run_started',
      resumed: event.resumed,
      streams: catalog.streams.map((s) => ({ name: s.stream.name, sync_mode: s.sync_mode, destination_sync_mode: s.destination_sync_mode })),
    };
  }
  if (event.type === 'config_update') {
    const { changes: _changes, ...rest } = event;
    return snakeDeep(rest, 0) as Json;
  }
  return snakeDeep(event, 0) as Json;
}

/** A stored event as one NDJSON line's object: `at` is when the engine emitted it, else when it was stored. */
export function eventLine(record: RunEventRecord): Json {
  return { seq: record.seq, at: record.at.toISOString(), ...record.event };
}
