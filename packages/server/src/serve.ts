/**
 * `sync serve`'s server: the HTTP API on a host and port, the job queue, and `workers` in-process
 * workers (0: API only). Closing it stops taking requests, releases the runs this process executes
 * (each stops at its last checkpoint and goes back to the queue), and ends open event streams.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.ts';
import { Runtime, type RuntimeOptions } from './runtime.ts';

export interface ServeOptions extends RuntimeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** In-process workers; default 1; 0 serves the API only. */
  workers?: number;
  /** The bearer token clients must send. */
  token: string;
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
  const runtime = await Runtime.open(options);
  let server: ServerType;
  try {
    const workers = options.workers ?? 1;
    if (workers > 0) await runtime.startWorkers(workers);
    const app = createApp(runtime.context, options.token, runtime.metrics);
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 4010 }, () => resolve(s));
      s.once('error', reject);
    });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      runtime.context.feed.abortAll();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await runtime.close();
      await closed;
    },
  };
}
