/**
 * A local HTTP server that answers like Stripe's API, with deterministic data, a request log and
 * counters, injectable faults, latency, a rate limit, and objects that change while it runs: what
 * tests, benchmarks and the demo need to exercise a Stripe source without reaching Stripe.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Dataset, CREATED_FROM, type DatasetOptions } from './dataset.ts';
import { listItems, listObjects, type ListQuirks } from './list.ts';
import type { EmulatorCounters, EmulatorFault, EmulatorRequest, StripeEmulator, StripeEmulatorOptions } from './emulator-types.ts';
import { Mutations, parseForm } from './mutations.ts';
import { ServerRateLimit } from './rate-limit.ts';
import { Random } from './random.ts';
import { readFileSync } from 'node:fs';
import {
  featureNotEnabled,
  injectedFault,
  invalidApiKey,
  invalidBody,
  noSuchObject,
  permissionDenied,
  unrecognizedUrl,
  type StripeErrorResponse,
} from './errors.ts';
import type { StripeObject } from './resources.ts';

const MAX_LOGGED_REQUESTS = 100_000;

/** The account behind the key: `GET /v1/account`. Created before every generated object. */
const ACCOUNT = (() => {
  const examples = JSON.parse(readFileSync(new URL('../fixtures/stripe-objects.json', import.meta.url), 'utf8')) as Record<string, StripeObject>;
  return { ...examples.account!, id: 'acct_emulator', created: CREATED_FROM - 30 * 86_400, email: 'owner@example.com', livemode: false };
})();

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Extra delay, ms. */
  delayMs?: number;
  /** Stall between the two halves of the body, ms. */
  stallBodyMs?: number;
}

/** Starts an emulator and resolves once it listens. */
export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const datasetOptions: DatasetOptions = {
    objects: options.objects ?? 10_000,
    seed: options.seed ?? 1,
    ...(options.counts ? { counts: options.counts } : {}),
    ...(options.longNestedLists ? { longNestedLists: options.longNestedLists } : {}),
    ...(options.sameSecond ? { sameSecond: options.sameSecond } : {}),
    ...(options.shuffleWithinSecond ? { shuffleWithinSecond: true } : {}),
  };
  let quirks: ListQuirks = { ignoreCreatedFilter: options.ignoreCreatedFilter ?? false, ignoreStartingAfter: options.ignoreStartingAfter ?? false };
  const dataset = new Dataset(datasetOptions);
  const mutations = new Mutations(dataset);
  const apiKey = options.apiKey ?? 'sk_test_emulator';
  let latencyMs = options.latencyMs ?? 0;
  let limiter = options.rateLimit ? new ServerRateLimit(options.rateLimit) : undefined;
  let failureRate = options.failureRate ?? 0;
  const failures = new Random(`${options.seed ?? 1}:failures`);
  const unavailable = new Map(Object.entries(options.unavailable ?? {}));
  let requests: EmulatorRequest[] = [];
  let counters: EmulatorCounters = { requests: 0, byStatus: {}, rateLimited: 0, failed: 0, maxInFlight: 0 };
  const faults: EmulatorFault[] = [];
  const waiting = new Set<NodeJS.Timeout>();
  const byPath = new Map(dataset.names.map((name) => [dataset.definition(name).path, name]));

  for (const name of unavailable.keys()) if (!dataset.has(name)) throw new Error(`unknown resource ${name} in unavailable`);

  function count(status: number): void {
    counters.requests++;
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
  }

  function takeFault(method: string, path: string, query: Record<string, string>): EmulatorFault | undefined {
    const index = faults.findIndex((f) => (f.path === undefined || path === f.path || path.startsWith(`${f.path}/`)) && (!f.when || f.when({ method, path, query })));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (--fault.count <= 0) faults.splice(index, 1);
    return fault;
  }

  /** The answer to a request, decided when it arrives. */
  function answer(method: string, path: string, query: Record<string, string>, authorization: string | undefined, body: string): Answer {
    const fault = takeFault(method, path, query);
    if (fault?.status) {
      counters.failed++;
      return { ...injectedFault(fault.status, fault.retryAfterSeconds), ...(fault.delayMs ? { delayMs: fault.delayMs } : {}) };
    }
    const extra = { ...(fault?.delayMs ? { delayMs: fault.delayMs } : {}), ...(fault?.stallBodyMs ? { stallBodyMs: fault.stallBodyMs } : {}) };
    if (method === 'GET' && path.startsWith('/v1/')) {
      if (limiter && !limiter.allow()) {
        counters.rateLimited++;
        return { ...injectedFault(429, 1), ...extra };
      }
      if (failureRate > 0 && failures.chance(failureRate)) {
        counters.failed++;
        return { ...injectedFault(500, undefined), ...extra };
      }
    }
    const key = keyOf(authorization);
    if (key !== apiKey) return invalidApiKey(key);
    return { ...route(method, path, query, key, body), ...extra };
  }

  function route(method: string, path: string, query: Record<string, string>, key: string, body: string): Answer {
    if (path === '/v1/account' && method === 'GET') return { status: 200, body: ACCOUNT };
    if (path === '/v1/subscription_items' && method === 'GET' && query.subscription !== undefined) {
      const { subscription, ...rest } = query;
      const items = dataset.nestedItems('subscriptions', subscription);
      if (!items) return noSuchObject(400, 'subscription', subscription, 'subscription');
      return ok(listItems(items, '/v1/subscription_items', rest));
    }
    // `/v1/<resource path>[/<id>[/<nested list>]]`, the resource path itself may have slashes.
    const segments = path.split('/');
    for (let tail = 0; tail <= 2; tail++) {
      const resource = byPath.get(segments.slice(0, segments.length - tail).join('/'));
      if (!resource) continue;
      const [id, nested] = segments.slice(segments.length - tail);
      const off = unavailable.get(resource);
      if (off === 'not_enabled') return featureNotEnabled(dataset.definition(resource).path);
      if (off === 'forbidden') return permissionDenied(key, path);
      const object = dataset.definition(resource).object;
      if (tail === 0) {
        if (method === 'GET') return ok(listObjects(dataset, resource, query, quirks));
        if (method === 'POST') return { status: 200, body: mutations.create(resource, parseForm(body)) };
      }
      if (tail === 1 && id) {
        const found = method === 'GET' ? dataset.objectById(resource, id) : method === 'POST' ? mutations.update(resource, id, parseForm(body)) : method === 'DELETE' ? mutations.remove(resource, id) : undefined;
        if (method === 'GET' || method === 'POST' || method === 'DELETE') return found ? { status: 200, body: found } : noSuchObject(404, object, id, 'id');
      }
      if (tail === 2 && id && nested && method === 'GET' && dataset.definition(resource).nested?.property === nested) {
        const items = dataset.nestedItems(resource, id);
        if (!items) return noSuchObject(404, object, id, 'id');
        return ok(listItems(items, dataset.definition(resource).nested!.url(id), query));
      }
      break;
    }
    return unrecognizedUrl(method, path);
  }

  /** Keeps a timer so that `close()` can drop it. */
  function later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      waiting.delete(timer);
      run();
    }, ms);
    waiting.add(timer);
  }

  function send(res: ServerResponse, result: Answer): void {
    if (res.destroyed) return;
    const body = JSON.stringify(result.body);
    res.writeHead(result.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'request-id': `req_${randomBytes(7).toString('hex')}`, ...result.headers });
    if (!result.stallBodyMs) return void res.end(body);
    const half = Buffer.from(body).subarray(0, Math.floor(Buffer.byteLength(body) / 2));
    res.write(half);
    later(result.stallBodyMs, () => {
      if (!res.destroyed) res.end(Buffer.from(body).subarray(half.length));
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    if (url.pathname === '/_emulator/counters') {
      send(res, { status: 200, body: counters });
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    let result: Answer;
    try {
      result = answer(method, url.pathname, query, req.headers.authorization, body);
    } catch (error) {
      result = { ...invalidBody(error instanceof Error ? error.message : String(error)) };
    }
    count(result.status);
    const version = req.headers['stripe-version'];
    requests.push({ method, path: url.pathname, query, status: result.status, time: Date.now(), ...(typeof version === 'string' ? { stripeVersion: version } : {}) });
    if (requests.length > MAX_LOGGED_REQUESTS) requests = requests.slice(-MAX_LOGGED_REQUESTS / 2);
    const wait = latencyMs + (result.delayMs ?? 0);
    if (wait <= 0) return send(res, result);
    later(wait, () => send(res, result));
  }

  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, inFlight);
    res.once('close', () => inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
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
    pathOf: (resource) => dataset.definition(resource).path,
    objects(resource, objectOptions = {}) {
      const objects = dataset.objects(resource);
      const nested = dataset.definition(resource).nested;
      if (!objectOptions.expanded || !nested) return objects;
      for (const object of objects) {
        const items = dataset.nestedItems(resource, String(object.id))!;
        object[nested.property] = { ...(object[nested.property] as object), data: items, has_more: false };
      }
      return objects;
    },
    add: (resource, count, addOptions = {}) => dataset.add(resource, count, addOptions.created),
    create: (resource, fields) => mutations.create(resource, fields),
    update: (resource, id, fields) => mutations.update(resource, id, fields),
    remove: (resource, id) => mutations.remove(resource, id),
    get requests() {
      return requests;
    },
    resetRequests() {
      requests = [];
    },
    get counters() {
      return structuredClone(counters);
    },
    resetCounters() {
      counters = { requests: 0, byStatus: {}, rateLimited: 0, failed: 0, maxInFlight: 0 };
    },
    inject(fault) {
      if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error(`fault count must be a positive integer, got ${fault.count}`);
      if (fault.status === undefined && !fault.delayMs && !fault.stallBodyMs) throw new Error('a fault needs a status, a delayMs or a stallBodyMs');
      faults.push({ ...fault });
    },
    clearFaults() {
      faults.length = 0;
    },
    delay(ms) {
      latencyMs = ms;
    },
    setRateLimit(perSecond) {
      limiter = perSecond ? new ServerRateLimit(perSecond) : undefined;
    },
    setFailureRate(share) {
      failureRate = share;
    },
    setListQuirks(next) {
      quirks = { ...next };
    },
    setUnavailable(resource, kind) {
      if (!dataset.has(resource)) throw new Error(`unknown resource ${resource}`);
      if (kind) unavailable.set(resource, kind);
      else unavailable.delete(resource);
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

function ok(page: ReturnType<typeof listObjects>): Answer {
  return 'object' in page ? { status: 200, body: page } : page;
}

/** The API key of a request: `Authorization: Bearer KEY`, or basic auth with the key as user name. */
function keyOf(authorization: string | undefined): string | undefined {
  const [scheme, credentials] = authorization?.split(' ') ?? [];
  if (!credentials) return undefined;
  if (scheme?.toLowerCase() === 'bearer') return credentials;
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(credentials, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

export type { StripeObject, StripeErrorResponse };
export type { EmulatorCounters, EmulatorFault, EmulatorRequest, StripeEmulator, StripeEmulatorOptions, Unavailability } from './emulator-types.ts';
