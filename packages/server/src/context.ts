/** What every route and job of the server is given. */
import type { ServiceStore, StateStore, StoredPipeline } from '@sync/state-postgres';
import type { ConnectorDirectory, SpecCache } from './connectors.ts';
import type { RunEventFeed } from './event-log.ts';
import type { RunningRuns } from './running-runs.ts';
import type { RunQueue } from './queue.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServerContext {
  store: StateStore;
  service: ServiceStore;
  directory: ConnectorDirectory;
  specs: SpecCache;
  queue: RunQueue;
  feed: RunEventFeed;
  running: RunningRuns;
  /** Values masked in everything a run reports besides its connectors' secrets (the database URL). */
  secrets: readonly string[];
  /** Wait before the first retry of a failed run, ms (doubling per attempt). */
  retryBaseMs: number;
  /** The environment connectors' allow-listed variables are taken from. */
  connectorEnv: NodeJS.ProcessEnv;
  /**
   * Called before a run starts with the source config it will get; may hand back another (a Stripe
   * source pointed at a local proxy that takes each request from its account's shared rate limit)
   * and a `release` called when the run ends. Absent: the config as stored.
   */
  prepareSource?: (pipeline: StoredPipeline, config: Record<string, unknown>) => Promise<{ config: Record<string, unknown>; release(): Promise<void> }>;
  /** Told every event of every run this process executes (after masking), for metrics. */
  onRunEvent?: (pipelineId: string, event: { type: string } & Record<string, unknown>) => void;
  /** The server's log (one line per request at info, errors with their request id). */
  log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;
}
