/**
 * @sync/server: `sync serve`, the engine's HTTP API (docs/api.md): stored pipelines, runs on a
 * graphile-worker job queue, their events as NDJSON, state, Stripe webhooks, an audit log.
 */
export { startServer, type RunningServer, type ServeOptions } from './serve.ts';
export { startWorker, type RunningWorker, type WorkerOptions } from './worker.ts';
export type { RuntimeOptions } from './runtime.ts';
export { createApp, API_VERSION } from './app.ts';
export { openApiDocument } from './openapi-document.ts';
export { loadApiToken, tokenFile, type ApiToken } from './auth.ts';
export type { ConnectorDirectory } from './connectors.ts';
export { SECRET_MASK } from './schemas.ts';
export { eventForWire } from './wire.ts';
