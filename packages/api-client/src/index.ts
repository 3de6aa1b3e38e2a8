/**
 * @sync/api-client: the typed client of `sync serve`'s HTTP API (docs/api.md), generated from its
 * OpenAPI document (`scripts/generate.ts` → `src/generated/`), and a follower of a run's NDJSON events
 * that resumes after a dropped connection.
 */
export { createSyncClient, bodyOf, type SyncClient, type SyncClientOptions } from './client.ts';
export { followRunEvents, type FollowOptions } from './run-events.ts';
export { ApiError, type FieldError, type Problem } from './api-error.ts';
export type { components, paths } from './generated/api.ts';

import type { components } from './generated/api.ts';

/** A pipeline as the API returns it (configs' secrets masked). */
export type Pipeline = components['schemas']['Pipeline'];
/**
 * A run as the API returns it. (The document marks the `Run` component nullable, because the
 * pipeline's `last_run` is `Run.nullable()` in the server's zod; a run itself never is null.)
 */
export type Run = NonNullable<components['schemas']['Run']>;
/** One line of a run's event stream (snake_case; `type` says which event). */
export type RunEvent = components['schemas']['RunEvent'];
/** The body of `POST /pipelines`. */
export type PipelineCreate = components['schemas']['PipelineCreate'];
