/**
 * A local HTTP server that answers like Stripe's API for listing and retrieving objects, with
 * deterministic data, a request log, injectable faults and adjustable latency: what tests,
 * benchmarks and the demo need to exercise a Stripe source without reaching Stripe.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Dataset } from './dataset.ts';
import { listObjects } from './list.ts';
import {
  injectedFault,
  invalidApiKey,
  noSuchObject,
  unrecognizedUrl,
  type StripeErrorResponse,
} from './errors.ts';
import type { StripeObject } from './resources.ts';

export interface StripeEmulatorOptions {
  /** TCP port; 0 (the default) picks any free port. */
  port?: number;
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string;
  /**
   * Total objects across all resources (default 10,000), split by each resource's weight (see
   * README.md): customers 12%, charges 14%, balance_transactions 16%, ... A resource whose share
   * rounds to zero has no objects.
   */
  objects?: number;
  /** Exact object counts for some resources (stream name → count), overriding their share. */
  counts?: Readonly<Record<string, number>>;
  /** Same seed ⇒ byte-identical JSON of every object. Default 1. */
  seed?: number | string;
  /** The one API key accepted; default 'sk_test_emulator'. */
  apiKey?: string;
  /** Delay added to every response, in milliseconds; default 0. */
  latencyMs?: number;
}

/** One served request. `query` is the decoded query string; `time` is when it arrived (epoch ms). */
export interface EmulatorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  time: number;
}

/** A failure to serve instead of the real answer, for the next `count` requests whose path matches. */
export interface EmulatorFault {
  status: 429 | 500 | 502 | 503;
  count: number;
  /** Matches this path and the paths under it (`/v1/customers` also matches `/v1/customers/cus_1`); default all. */
  path?: string;
  /** `Retry-After` header value in seconds; 429s always carry one (default 1). */
  retryAfterSeconds?: number;
}

export interface StripeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Stream names, which are also the URL path segments: `/v1/customers`. */
  resources: readonly string[];
  /** All objects of a resource, newest first, exactly as served. Throws for an unknown resource. */
  objects(resource: string): readonly Record<string, unknown>[];
  /**
   * Creates `count` new objects, each newer than every existing one (or all at `created`, unix
   * seconds, when given), as if made in Stripe since the last sync. Returns them newest first.
   */
  add(resource: string, count: number, options?: { created?: number }): readonly Record<string, unknown>[];
  /** Requests served so far (the most recent 100,000), oldest first. */
  requests: readonly EmulatorRequest[];
  resetRequests(): void;
  /** Makes the next `fault.count` matching requests fail with `fault.status`. Faults queue in order. */
  inject(fault: EmulatorFault): void;
  /** Sets the latency of every later response, in milliseconds. */
  delay(ms: number): void;
  /** Stops listening and drops open connections, including requests still waiting on latency. */
  close(): Promise<void>;
}

const MAX_LOGGED_REQUESTS = 100_000;

/** Starts an emulator and resolves once it listens. */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const dataset = new Dataset({ objects: options.objects ?? 10_000, seed: options.seed ?? 1, ...(options.counts ? { counts: options.counts } : {}) });
  const apiKey = options.apiKey ?? 'sk_test_emulator';
  let latencyMs = options.latencyMs ?? 0;
  let requests: EmulatorRequest[] = [];
  const faults: EmulatorFault[] = [];
  const waiting = new Set<NodeJS.Timeout>();

  function respond(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const { status, body, headers } = answer(method, url.pathname, query, req.headers.authorization);
    requests.push({ method, path: url.pathname, query, status, time: Date.now() });
    if (requests.length > MAX_LOGGED_REQUESTS) requests = requests.slice(-MAX_LOGGED_REQUESTS / 2);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(7).toString('hex')}`, ...headers });
    res.end(JSON.stringify(body));
  }

  function answer(method: string, path: string, query: Record<string, string>, authorization: string | undefined): { status: number; body: unknown; headers?: Record<string, string> } {
    const faultIndex = faults.findIndex((f) => f.path === undefined || path === f.path || path.startsWith(`${f.path}/`));
    if (faultIndex >= 0) {
      const fault = faults[faultIndex]!;
      if (--fault.count <= 0) faults.splice(faultIndex, 1);
      return injectedFault(fault.status, fault.retryAfterSeconds);
    }
    const key = keyOf(authorization);
    if (key !== apiKey) return invalidApiKey(key);
    const [, version, resource, id, ...rest] = path.split('/');
    if (method !== 'GET' || version !== 'v1' || !resource || !dataset.has(resource) || rest.length > 0 || id === '') {
      return unrecognizedUrl(method, path);
    }
    if (id === undefined) {
      const page = listObjects(dataset, resource, query);
      return 'object' in page ? { status: 200, body: page } : page;
    }
    const position = dataset.positionOf(resource, id);
    if (position === undefined) return noSuchObject(404, dataset.definition(resource).object, id, 'id') satisfies StripeErrorResponse;
    return { status: 200, body: dataset.objectAt(resource, position) };
  }

  const server = createServer((req, res) => {
    req.resume();
    if (latencyMs <= 0) return respond(req, res);
    const timer = setTimeout(() => {
      waiting.delete(timer);
      respond(req, res);
    }, latencyMs);
    waiting.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    resources: dataset.names,
    objects: (resource) => dataset.objects(resource),
    add: (resource, count, addOptions = {}) => dataset.add(resource, count, addOptions.created),
    get requests() {
      return requests;
    },
    resetRequests() {
      requests = [];
    },
    inject(fault) {
      if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error(`fault count must be a positive integer, got ${fault.count}`);
      faults.push({ ...fault });
    },
    delay(ms) {
      latencyMs = ms;
    },
    close() {
      for (const timer of waiting) clearTimeout(timer);
      waiting.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The API key of a request: `Authorization: Bearer KEY`, or basic auth with the key as user name. */
function keyOf(authorization: string | undefined): string | undefined {
  const [scheme, credentials] = authorization?.split(' ') ?? [];
  if (!credentials) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return credentials;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

export type { StripeObject };
