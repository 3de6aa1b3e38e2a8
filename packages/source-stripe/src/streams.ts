/**
 * The streams: every top-level Stripe list endpoint of the bundled OpenAPI spec whose objects carry
 * an `id`, one stream each, named after its path (`GET /v1/customers` is `customers`,
 * `GET /v1/issuing/cards` is `issuing_cards`).
 *
 * Left out, on purpose:
 * - lists under another object (`/v1/invoices/{invoice}/lines`, `/v1/subscription_items?subscription=`):
 *   their items arrive inside the parent's record, completed past the first page (nested.ts);
 * - `/search` endpoints (the same objects as the plain list, and they need a query);
 * - lists that need a filter to answer at all (`/v1/treasury/transactions?financial_account=`);
 * - aliases of another list (`/v1/balance/history`, `/v1/linked_accounts`) and previews
 *   (`/v1/invoices/upcoming/lines`).
 *
 * How a stream reads incrementally depends on what Stripe offers for it (see README.md):
 * - `events`: objects whose creation and changes Stripe reports in events (`customer.created`,
 *   `customer.updated`, …) are kept current from `/v1/events` once backfilled: creates, updates
 *   and deletes;
 * - `created`: objects without events but with a `created` filter (balance transactions, events
 *   themselves) read what was created since the last run;
 * - none: the rest (country specs, exchange rates, …) are read in full every time.
 */
import { eventTypes, listItemSchema, listOperation, refName, resolveRef, stripeSpec, type OasDocument } from './openapi.ts';

export interface StreamDefinition {
  /** Stream name: the path after `/v1/`, slashes as underscores. */
  name: string;
  /** List endpoint, e.g. `/v1/customers`. */
  path: string;
  /** The `object` value of its objects, e.g. `customer`, `issuing.card`. */
  object: string;
  /** Component name of the object's schema in the spec. */
  schema: string;
  /** The list takes `created[gte]` / `created[lte]` (unix seconds). */
  createdFilter: boolean;
  /** The objects carry `created` (unix seconds). */
  hasCreated: boolean;
  /** Event types whose `data.object` is one of this stream's objects; empty when Stripe sends none. */
  eventTypes: readonly string[];
  /** The list takes `limit` and `starting_after` (all but one do). */
  paginated: boolean;
  /** Query parameters every list request of the stream carries. */
  fixedParams: Readonly<Record<string, string>>;
}

export type IncrementalMode = 'events' | 'created';

/**
 * Objects whose creation Stripe reports in an event not named `*.created`: a charge in
 * `charge.succeeded` / `pending` / `failed`, a review in `review.opened`, a Checkout Session in
 * `completed` / `expired` (within 24 hours: an open session shows once it ends).
 */
const CREATED_BY_OTHER_EVENTS = new Set(['charge', 'review', 'checkout.session']);

/** Whether Stripe sends an event when one of the stream's objects is created. */
export function hasCreationEvents(stream: StreamDefinition): boolean {
  return CREATED_BY_OTHER_EVENTS.has(stream.object) || stream.eventTypes.some((type) => type.endsWith('.created'));
}

/**
 * How the stream reads incrementally, or undefined when it can only be read in full: by events
 * when Stripe reports its objects' creation in events (updates and deletes come with it), else by
 * `created` when the list filters on it (new objects only).
 */
export function incrementalMode(stream: StreamDefinition): IncrementalMode | undefined {
  if (!stream.hasCreated) return undefined;
  if (hasCreationEvents(stream)) return 'events';
  return stream.createdFilter ? 'created' : undefined;
}

/** A list that can be split into `created` ranges and read in parallel. */
export function isSplittable(stream: StreamDefinition): boolean {
  return stream.createdFilter && stream.hasCreated;
}

const ALIASES = new Set(['/v1/balance/history', '/v1/linked_accounts', '/v1/invoices/upcoming/lines']);

/** Without `status`, Stripe leaves canceled subscriptions out of the list. */
const FIXED_PARAMS: Readonly<Record<string, Record<string, string>>> = {
  subscriptions: { status: 'all' },
};

/**
 * Event type path → object type where the rule below gets it wrong: `<path>.<action>` names the
 * object by its last path segment (`charge.dispute.created` → `dispute`), by the whole path when
 * that is an object type (`checkout.session.completed` → `checkout.session`), and `issuing_card` is
 * `issuing.card`.
 */
const EVENT_OBJECT_ALIASES: Readonly<Record<string, string>> = {
  'application_fee.refund': 'fee_refund',
  'account.external_account': 'external_account',
  'account.application': 'application',
  'customer.source': 'payment_source',
  'customer.discount': 'discount',
  'source.transaction': 'source_transaction',
};

/** The object type an event type carries in `data.object`, e.g. `customer.subscription.updated` → `subscription`. */
export function eventObjectType(type: string, objectTypes: ReadonlySet<string>): string {
  const path = type.slice(0, type.lastIndexOf('.'));
  const alias = EVENT_OBJECT_ALIASES[path];
  if (alias) return alias;
  if (objectTypes.has(path)) return path;
  if (path.startsWith('issuing_')) return `issuing.${path.slice('issuing_'.length)}`;
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Derives the stream definitions from a spec document. */
export function streamsOf(document: OasDocument): StreamDefinition[] {
  const objectTypes = new Set<string>();
  for (const schema of Object.values(document.components.schemas)) {
    for (const value of schema.properties?.object?.enum ?? []) if (typeof value === 'string') objectTypes.add(value);
  }
  const eventsByObject = new Map<string, string[]>();
  for (const type of eventTypes(document)) {
    const object = eventObjectType(type, objectTypes);
    eventsByObject.set(object, [...(eventsByObject.get(object) ?? []), type]);
  }
  const streams: StreamDefinition[] = [];
  for (const path of Object.keys(document.paths).sort()) {
    if (!path.startsWith('/v1/') || path.includes('{') || path.endsWith('/search') || ALIASES.has(path)) continue;
    const operation = listOperation(document, path);
    if (!operation) continue;
    const item = listItemSchema(document, operation);
    if (!item?.$ref) continue;
    const schema = resolveRef(document, item);
    const object = schema.properties?.object?.enum?.[0];
    if (!schema.properties?.id || typeof object !== 'string') continue;
    const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
    if (query.some((p) => p.required)) continue;
    const name = path.slice('/v1/'.length).replaceAll('/', '_');
    streams.push({
      name,
      path,
      object,
      schema: refName(item.$ref),
      createdFilter: query.some((p) => p.name === 'created'),
      hasCreated: 'created' in schema.properties,
      eventTypes: (eventsByObject.get(object) ?? []).sort(),
      paginated: query.some((p) => p.name === 'limit'),
      fixedParams: FIXED_PARAMS[name] ?? {},
    });
  }
  return streams;
}

let streams: readonly StreamDefinition[] | undefined;

/** The streams of the bundled spec, in name order. */
export function stripeStreams(): readonly StreamDefinition[] {
  streams ??= streamsOf(stripeSpec());
  return streams;
}

/** The stream named `name`, or undefined. */
export function streamNamed(name: string): StreamDefinition | undefined {
  return stripeStreams().find((s) => s.name === name);
}
