/**
 * The Stripe API the emulator serves, one Hono route per endpoint (https://docs.stripe.com/api):
 *
 * | method | path | answer |
 * | --- | --- | --- |
 * | GET | `/v1/account` | the account behind the key |
 * | GET | `/v1/subscription_items?subscription=<id>` | a subscription's whole `items` list |
 * | GET | `/v1/<resource>` | a list page (`list.ts`); `/v1/events` is one of the resources |
 * | POST | `/v1/<resource>` | creates an object (form-encoded fields) and its event |
 * | GET | `/v1/<resource>/<id>` | retrieves an object |
 * | POST | `/v1/<resource>/<id>` | updates an object and records its event |
 * | DELETE | `/v1/<resource>/<id>` | deletes an object and records its event |
 * | GET | `/v1/<resource>/<id>/<nested list>` | an invoice's or credit note's whole `lines` |
 *
 * `<resource>` is a resource's list path, slashes included (`/v1/issuing/cards`). Any request to a
 * resource the account cannot use, its objects or their lists is refused first (400 or 403). Routes
 * decide only the answer: by the time they run, the server (`emulator.ts`) has applied the injected
 * faults, the rate limit, the failure rate and the API key, and `c.var.send` adds latency, counts
 * and logs.
 */
import { readFileSync } from 'node:fs';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { CREATED_FROM, type Dataset } from './dataset.ts';
import type { Unavailability } from './emulator-types.ts';
import { featureNotEnabled, noSuchObject, permissionDenied, unrecognizedUrl } from './errors.ts';
import { listItems, listObjects, type ListQuirks, type ListResponse } from './list.ts';
import { parseForm, type Mutations } from './mutations.ts';
import type { StripeObject } from './resources.ts';

/** An answer before it is sent: HTTP status, JSON body and extra headers (`Retry-After`). */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Readonly<Record<string, string>>;
}

/** The request as the server saw it: method, raw (undecoded) path and query (last value of each name). */
export interface RequestLine {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** What the server hands every route (Hono variables), besides the Node bindings. */
export interface StripeEnv {
  Bindings: HttpBindings;
  Variables: {
    request: RequestLine;
    /** The API key the request was made with (already checked). */
    key: string;
    /** Sends an answer as the server sends every answer: with latency, counted and logged. */
    send: (answer: Answer) => Promise<Response>;
  };
}

/** What the routes read and change. */
export interface StripeApi {
  dataset: Dataset;
  mutations: Mutations;
  /** How lists differ from Stripe's right now. */
  quirks(): ListQuirks;
  /** Whether the account cannot use a resource right now, and how it is refused. */
  unavailable(resource: string): Unavailability | undefined;
}

/** The account behind the key: `GET /v1/account`. Created before every generated object. */
const ACCOUNT = (() => {
  const examples = JSON.parse(readFileSync(new URL('../fixtures/stripe-objects.json', import.meta.url), 'utf8')) as Record<string, StripeObject>;
  return { ...examples.account!, id: 'acct_emulator', created: CREATED_FROM - 30 * 86_400, email: 'owner@example.com', livemode: false };
})();

type StripeContext = Context<StripeEnv>;

/** The routes of the Stripe API; unmatched requests are left to the app's not-found handler. */
export function stripeRoutes(api: StripeApi): Hono<StripeEnv> {
  const { dataset, mutations } = api;
  const routes = new Hono<StripeEnv>();

  routes.get('/v1/account', (c) => c.var.send({ status: 200, body: ACCOUNT }));

  routes.get('/v1/subscription_items', (c) => {
    const { subscription, ...rest } = c.var.request.query;
    if (subscription === undefined) return c.var.send(unrecognizedUrl(c.var.request.method, c.var.request.path));
    const items = dataset.nestedItems('subscriptions', subscription);
    if (!items) return c.var.send(noSuchObject(400, 'subscription', subscription, 'subscription'));
    return c.var.send(page(listItems(items, '/v1/subscription_items', rest)));
  });

  for (const resource of dataset.names) {
    const { path, object, nested } = dataset.definition(resource);
    const found = (c: StripeContext, id: string, value: StripeObject | undefined) =>
      c.var.send(value ? { status: 200, body: value } : noSuchObject(404, object, id, 'id'));

    // Stripe's refusal of a product the account has not turned on (400) or of a key without access (403).
    const refuseUnavailable = async (c: StripeContext, next: () => Promise<void>): Promise<Response | void> => {
      const off = api.unavailable(resource);
      if (off === 'not_enabled') return c.var.send(featureNotEnabled(path));
      if (off === 'forbidden') return c.var.send(permissionDenied(c.var.key, c.var.request.path));
      await next();
    };
    routes.all(path, refuseUnavailable);
    routes.all(`${path}/:id`, refuseUnavailable);
    routes.all(`${path}/:id/:list`, refuseUnavailable);

    routes.get(path, (c) => c.var.send(page(listObjects(dataset, resource, c.var.request.query, api.quirks()))));
    routes.post(path, async (c) => c.var.send({ status: 200, body: mutations.create(resource, parseForm(await c.req.text())) }));
    routes.get(`${path}/:id`, (c) => {
      const id = c.req.param('id');
      return found(c, id, dataset.objectById(resource, id));
    });
    routes.post(`${path}/:id`, async (c) => {
      const id = c.req.param('id');
      return found(c, id, mutations.update(resource, id, parseForm(await c.req.text())));
    });
    routes.delete(`${path}/:id`, (c) => {
      const id = c.req.param('id');
      return found(c, id, mutations.remove(resource, id));
    });
    if (nested) {
      routes.get(`${path}/:id/${nested.property}`, (c) => {
        const id = c.req.param('id');
        const items = dataset.nestedItems(resource, id);
        if (!items) return c.var.send(noSuchObject(404, object, id, 'id'));
        return c.var.send(page(listItems(items, nested.url(id), c.var.request.query)));
      });
    }

  }
  return routes;
}

/** A list page, or the error `listObjects`/`listItems` answered instead. */
function page(result: ListResponse | Answer): Answer {
  return 'object' in result ? { status: 200, body: result } : result;
}
