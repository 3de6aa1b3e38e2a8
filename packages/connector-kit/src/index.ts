// The connector: what a TypeScript source or destination provides, and the harness that runs it.
export { isSource, type Connector, type Destination, type ReadInput, type Source, type WriteInput } from './connector.ts';
export { main, runConnector, specOf, type HarnessIo } from './harness.ts';
export { InputAborted } from './input-abort.ts';
export { parseStateInput, type StreamStates } from './state.ts';
// Messages and failures.
export { catalogMessage, configUpdate, connectionStatus, errorTrace, estimate, log, record, specMessage, streamState, streamStatus } from './builders.ts';
export { ConfigError, ConnectorError, errorMessage } from './errors.ts';
export { CheckpointMissing } from './checkpoint-missing.ts';
// Destinations: acknowledging STATEs.
export { RecordCounts, acknowledge } from './destination-stats.ts';
export { valueAt } from './record-path.ts';
// Sources: streams, pages, HTTP.
export { defineSource, type SourceDefinition, type StreamDefinition, type PageRequest, type PageResult, type Row, type CursorValue } from './define-source.ts';
export { cursorPagination, pageNumberPagination, offsetPagination, type Pagination, type PagePosition } from './pagination.ts';
export { bearerAuth, oauth2RefreshAuth, type Auth, type OAuth2RefreshOptions } from './auth.ts';
export { createHttpClient, type HttpClient, type HttpClientOptions, type Query } from './http.ts';
// Every connector: retries and pacing.
export { withRetry, parseRetryAfter, type RetryOptions, type RetryPolicy, type RetryDecision, type FailedAttempt } from './retry.ts';
export { createPacer, type Pacer, type PacingOptions } from './pacing.ts';
