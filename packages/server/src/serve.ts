/**
 * `sync serve`'s server: the HTTP API on a host and port, the job queue, and `workers` in-process
 * workers (0: API only). Closing it stops taking requests, stops the runs this process executes
 * (each keeps its committed states and ends `failed`; their jobs are not tried again), and ends
 * open event streams.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { StateStore } from '@sync/state-postgres';
import { createApp } from './app.ts';
import { SpecCache, type ConnectorDirectory } from './connectors.ts';
import type { LogLevel, ServerContext } from './context.ts';
import { RunEventFeed } from './event-log.ts';
import { RunningRuns, taskList } from './jobs.ts';
import { RunQueue } from './queue.ts';

export interface ServeOptions {
  /** An open state store (its secret keys seal pipeline configs). */
  store: StateStore;
  /** The store's database, for the job queue (graphile-worker, schema `graphile_worker`). */
  databaseUrl: string;
  directory: ConnectorDirectory;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** In-process workers; default 1; 0 serves the API only. */
  workers?: number;
  /** The bearer token clients must send. */
  token: string;
  /** Values masked in everything runs report besides connector secrets (the database URL). */
  secrets?: readonly string[];
  /** Environment the connectors' allow-listed variables come from; default this process's. */
  connectorEnv?: NodeJS.ProcessEnv;
  log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;
}

/** A started server. */
export interface RunningServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the API (and the workers).
 *
 * @throws Error when the queue's schema cannot be made, or the port cannot be bound (EADDRINUSE, …).
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const service = options.store.service();
  const queue = await RunQueue.open({ connectionString: options.databaseUrl, log: options.log });
  const feed = new RunEventFeed(service);
  const running = new RunningRuns();
  const context: ServerContext = {
    store: options.store,
    service,
    directory: options.directory,
    specs: new SpecCache(options.store),
    queue,
    feed,
    running,
    secrets: options.secrets ?? [],
    connectorEnv: options.connectorEnv ?? process.env,
    log: options.log,
  };
  const closeAll = async () => {
    running.abortAll();
    await queue.close().catch(() => {});
    await feed.close().catch(() => {});
    await running.close().catch(() => {});
  };
  let server: ServerType;
  try {
    await feed.start();
    const workers = options.workers ?? 1;
    if (workers > 0) {
      await running.start(context);
      await queue.startWorkers(workers, taskList(context));
    }
    const app = createApp(context, options.token);
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 4010 }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      feed.abortAll();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closeAll();
      await closed;
    },
  };
}
