/**
 * The streams: every top-level Stripe list endpoint of the pinned OpenAPI spec whose objects carry
 * an `id`, one stream each, named after its path (`GET /v1/customers` is `customers`). They are
 * derived from the spec when the catalog is generated (src/openapi/stream-definitions.ts, which says
 * what is left out and why) and read here from `src/generated/streams.json`: no process parses the
 * spec at run time.
 *
 * How a stream reads incrementally depends on what Stripe offers for it (see README.md):
 * - `events`: objects whose creation and changes Stripe reports in events (`customer.created`,
 *   `customer.updated`, …) are kept current from `/v1/events` once backfilled: creates, updates
 *   and deletes;
 * - `created`: objects without events but with a `created` filter (balance transactions, events
 *   themselves) read what was created since the last run;
 * - none: the rest (country specs, exchange rates, …) are read in full every time.
 */
import generated from './generated/streams.json' with { type: 'json' };

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

/** The shape of `src/generated/streams.json` (src/openapi/catalog-files.ts). */
interface GeneratedStreams {
  /** The API version the spec describes, e.g. `2024-04-10`. */
  api_version: string;
  streams: StreamDefinition[];
}

// The JSON module's inferred type widens `fixedParams` to `{ status?: undefined }`; the file is generated to this shape.
const catalog = generated as GeneratedStreams;

/** The streams of the pinned spec, in path order. */
export function stripeStreams(): readonly StreamDefinition[] {
  return catalog.streams;
}

/** The API version the pinned spec describes (which the stream schemas follow), e.g. `2024-04-10`. */
export function specApiVersion(): string {
  return catalog.api_version;
}

/** The stream named `name`, or undefined. */
export function streamNamed(name: string): StreamDefinition | undefined {
  return stripeStreams().find((s) => s.name === name);
}
