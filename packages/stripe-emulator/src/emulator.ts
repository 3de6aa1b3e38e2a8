/**
 * A local HTTP server that answers like Stripe's API, with deterministic data, a request log and
 * counters, injectable faults, latency, a rate limit, and objects that change while it runs: what
 * tests, benchmarks and the demo need to exercise a Stripe source without reaching Stripe.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { getRequestListener } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { Dataset, type DatasetOptions } from './dataset.ts';
import type { ListQuirks } from './list.ts';
import type { EmulatorCounters, EmulatorFault, EmulatorRequest, StripeEmulator, StripeEmulatorOptions } from './emulator-types.ts';
import { Mutations } from './mutations.ts';
import { Pauses } from './pauses.ts';
import { ServerRateLimit } from './rate-limit.ts';
import { Random } from './random.ts';
import { injectedFault, invalidApiKey, invalidBody, unrecognizedUrl } from './errors.ts';
import { stripeRoutes, type Answer, type StripeEnv } from './routes.ts';

const MAX_LOGGED_REQUESTS = 100_000;

/** What an injected fault adds to an answer: a delay before it, and a stall half way through its body (ms). */
interface FaultExtras {
  delayMs?: number;
  stallBodyMs?: number;
}

/**
 * Starts an emulator and resolves once it listens.
 *
 * Every request goes through the same steps, in this order: `GET /_emulator/counters` is answered at
 * once; then an injected fault that matches (an error status, or a delay or stall added to the real
 * answer); then, for `GET /v1/…`, the rate limit (429) and the failure rate (500); then the API key
 * (401); then the route (`routes.ts`). Every answer but the counters' is counted, logged, and sent
 * after the latency.
 *
 * @throws Error when `unavailable` names an unknown resource, or the port is taken.
 */
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
  const pauses = new Pauses();
  let inFlight = 0;

  for (const name of unavailable.keys()) if (!dataset.has(name)) throw new Error(`unknown resource ${name} in unavailable`);

  function takeFault(method: string, path: string, query: Record<string, string>): EmulatorFault | undefined {
    const index = faults.findIndex((f) => (f.path === undefined || path === f.path || path.startsWith(`${f.path}/`)) && (!f.when || f.when({ method, path, query })));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    if (--fault.count <= 0) faults.splice(index, 1);
    return fault;
  }

  /** Counts and logs an answer, waits the latency (plus a fault's delay), then sends it. */
  async function send(c: Context<StripeEnv>, answer: Answer, extras: FaultExtras = {}): Promise<Response> {
    const { method, path, query } = c.var.request;
    counters.requests++;
    counters.byStatus[answer.status] = (counters.byStatus[answer.status] ?? 0) + 1;
    const version = c.req.header('stripe-version');
    requests.push({ method, path, query, status: answer.status, time: Date.now(), ...(version !== undefined ? { stripeVersion: version } : {}) });
    if (requests.length > MAX_LOGGED_REQUESTS) requests = requests.slice(-MAX_LOGGED_REQUESTS / 2);
    const wait = latencyMs + (extras.delayMs ?? 0);
    if (wait > 0 && !(await pauses.wait(wait))) return RESPONSE_ALREADY_SENT;
    return respond(c.env.outgoing, answer, extras.stallBodyMs);
  }

  /** Writes an answer with Stripe's headers; with `stallBodyMs`, the second half of the body that much later. */
  function respond(outgoing: ServerResponse, answer: Answer, stallBodyMs?: number): Response {
    if (outgoing.destroyed) return RESPONSE_ALREADY_SENT;
    const body = JSON.stringify(answer.body);
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'request-id': `req_${randomBytes(7).toString('hex')}`, ...answer.headers };
    if (!stallBodyMs) return new Response(body, { status: answer.status, headers });
    // A stall needs the raw response: headers and the first half now, the rest later.
    const bytes = Buffer.from(body);
    const half = Math.floor(bytes.length / 2);
    outgoing.writeHead(answer.status, headers);
    outgoing.write(bytes.subarray(0, half));
    void pauses.wait(stallBodyMs).then((elapsed) => {
      if (elapsed && !outgoing.destroyed) outgoing.end(bytes.subarray(half));
    });
    return RESPONSE_ALREADY_SENT;
  }

  const app = new Hono<StripeEnv>();
  app.use(async (c, next) => {
    inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, inFlight);
    c.env.outgoing.once('close', () => inFlight--);
    await next();
  });
  app.all('/_emulator/counters', (c) => respond(c.env.outgoing, { status: 200, body: counters }));
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const request = { method: c.req.method, path: url.pathname, query: Object.fromEntries(url.searchParams) };
    c.set('request', request);
    const fault = takeFault(request.method, request.path, request.query);
    if (fault?.status) {
      counters.failed++;
      return send(c, injectedFault(fault.status, fault.retryAfterSeconds), fault.delayMs ? { delayMs: fault.delayMs } : {});
    }
    const extras = { ...(fault?.delayMs ? { delayMs: fault.delayMs } : {}), ...(fault?.stallBodyMs ? { stallBodyMs: fault.stallBodyMs } : {}) };
    if (request.method === 'GET' && request.path.startsWith('/v1/')) {
      if (limiter && !limiter.allow()) {
        counters.rateLimited++;
        return send(c, injectedFault(429, 1), extras);
      }
      if (failureRate > 0 && failures.chance(failureRate)) {
        counters.failed++;
        return send(c, injectedFault(500, undefined), extras);
      }
    }
    const key = keyOf(c.req.header('authorization'));
    if (key !== apiKey) return send(c, invalidApiKey(key));
    c.set('key', key);
    c.set('send', (answer) => send(c, answer, extras));
    await next();
  });
  app.route(
    '/',
    stripeRoutes({
      dataset,
      mutations,
      quirks: () => quirks,
      unavailable: (resource) => unavailable.get(resource),
    }),
  );
  app.notFound((c) => c.var.send(unrecognizedUrl(c.var.request.method, c.var.request.path)));
  // A form body that cannot be read, or fields an object does not take.
  app.onError((error, c) => send(c, invalidBody(error.message)));

  // overrideGlobalObjects: false: starting an emulator inside a test must not replace the process's
  // global Request and Response.
  const server = createServer(getRequestListener(app.fetch, { overrideGlobalObjects: false }));
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
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        pauses.cancelAll();
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

export type { EmulatorCounters, EmulatorFault, EmulatorRequest, StripeEmulator, StripeEmulatorOptions, Unavailability } from './emulator-types.ts';
