/**
 * `sync worker`: executes queued runs (and webhook deliveries, scheduled ticks) from the same
 * graphile-worker queue as `sync serve`, with no HTTP API, on any machine that reaches the database;
 * optionally serving its Prometheus metrics at `GET /metrics`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '@sync/engine';
import { Runtime, type RuntimeOptions } from './runtime.ts';

export interface WorkerOptions extends RuntimeOptions {
  /** Runs executed at once by this process; default 1. */
  concurrency?: number;
  /**
   * Serve `GET /metrics` (Prometheus text) on this host and port; with `token`, scrapes need
   * `Authorization: Bearer <token>`.
   */
  metrics?: { host: string; port: number; token?: string };
}

/** A started worker. */
export interface RunningWorker {
  /** `http://host:port/metrics`, when serving metrics. */
  metricsUrl?: string;
  /** Releases its runs (each goes back to the queue from its last checkpoint) and stops. */
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

async function serveMetrics(runtime: Runtime, options: NonNullable<WorkerOptions['metrics']>, log: RuntimeOptions['log']): Promise<Server> {
  const expected = options.token === undefined ? undefined : digest(options.token);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://x').pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (expected && !(given && timingSafeEqual(digest(given), expected))) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="sync"' }).end('needs Authorization: Bearer <SYNC_API_TOKEN>\n');
      return;
    }
    runtime.metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': runtime.metrics.contentType }).end(text),
      (error: unknown) => {
        log('warn', `metrics: ${errorMessage(error)}`);
        response.writeHead(500, { 'content-type': 'text/plain' }).end('cannot read the metrics from the database\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

/** Starts a worker. @throws Error from Postgres, or when the metrics port cannot be bound. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const runtime = await Runtime.open(options);
  let server: Server | undefined;
  try {
    await runtime.startWorkers(options.concurrency ?? 1);
    if (options.metrics) server = await serveMetrics(runtime, options.metrics, options.log);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = server?.address() as AddressInfo | undefined;
  return {
    ...(address ? { metricsUrl: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics` } : {}),
    async close() {
      const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      server?.closeAllConnections();
      await runtime.close();
      await closed;
    },
  };
}
