/**
 * The emulator's public shapes: its options, the requests it logs, its counters, the faults it can
 * inject and the handle `startStripeEmulator` (emulator.ts) returns.
 */
import type { ListQuirks } from './list.ts';
import type { Fields } from './mutations.ts';

export interface StripeEmulatorOptions {
  /** TCP port; 0 (the default) picks any free port. */
  port?: number;
  /** Interface to listen on; default '127.0.0.1'. */
  host?: string;
  /**
   * Total objects across all resources (default 10,000), split by each resource's weight (see
   * README.md). A resource whose share rounds to zero has no objects.
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
  /** Most `GET` requests per second (a token bucket holding one second's worth); above it, 429 with `Retry-After: 1`. Default: no limit. */
  rateLimit?: number;
  /** Share (0–1) of `GET /v1/…` requests answered with a 500, at random (seeded). Default 0. */
  failureRate?: number;
  /** Share (0–1) of invoices, subscriptions and credit notes whose nested list has more than one page. Default 0. */
  longNestedLists?: number;
  /** Resources the account cannot use: `not_enabled` (400, feature off) or `forbidden` (403, key lacks the permission). */
  unavailable?: Readonly<Record<string, Unavailability>>;
  /** Objects of each resource sharing one `created` second, in the middle of its history (or all of them). Default 0. */
  sameSecond?: number;
  /** Objects of one second list in a seeded shuffled order instead of id descending (events excepted). Default false. */
  shuffleWithinSecond?: boolean;
  /** Lists accept `created` filters and ignore them. Default false. */
  ignoreCreatedFilter?: boolean;
  /** Lists accept `starting_after` and ignore it (answer from the top). Default false. */
  ignoreStartingAfter?: boolean;
}

export type Unavailability = 'not_enabled' | 'forbidden';

/** One served request. `query` is the decoded query string; `time` is when it arrived (epoch ms). */
export interface EmulatorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  time: number;
  /** The `Stripe-Version` header, when the request had one. */
  stripeVersion?: string;
}

/** Requests served since the start (or the last `resetCounters()`). */
export interface EmulatorCounters {
  requests: number;
  /** HTTP status → requests answered with it. */
  byStatus: Record<string, number>;
  /** 429s sent because the rate limit was exceeded (injected ones not included). */
  rateLimited: number;
  /** Requests failed on purpose: injected faults and `failureRate`. */
  failed: number;
  /**
   * Most requests being answered at the same time (arrived, response not finished): whether a client
   * reads in parallel, whatever the machine's speed.
   */
  maxInFlight: number;
}

/**
 * A fault for the next `count` requests that match `path` (that path and the ones under it) and
 * `when`: an error status instead of the answer, or `delayMs` of extra latency before the real
 * answer (a slow page).
 */
export interface EmulatorFault {
  status?: 429 | 500 | 502 | 503;
  /** Extra delay before the answer, ms (with no `status`: the real answer, late). */
  delayMs?: number;
  /**
   * Sends the status, headers and first half of the body at once, and the rest this many ms later
   * (a connection that stalls in the middle of a response). With `delayMs`, after that delay.
   */
  stallBodyMs?: number;
  count: number;
  /** Matches this path and the paths under it (`/v1/customers` also matches `/v1/customers/cus_1`); default all. */
  path?: string;
  /** Matches only requests for which this returns true. */
  when?: (request: { method: string; path: string; query: Readonly<Record<string, string>> }) => boolean;
  /** `Retry-After` header value in seconds; 429s always carry one (default 1). */
  retryAfterSeconds?: number;
}

export interface StripeEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Stream names, in the Stripe source's catalog order: `customers` is `GET /v1/customers`, `issuing_cards` `GET /v1/issuing/cards`. */
  resources: readonly string[];
  /** The list path of a resource: `issuing_cards` → `/v1/issuing/cards`. */
  pathOf(resource: string): string;
  /**
   * All objects of a resource, newest first, exactly as served; with `expanded`, nested lists are
   * complete (every item, `has_more: false`). Throws for an unknown resource.
   */
  objects(resource: string, options?: { expanded?: boolean }): readonly Record<string, unknown>[];
  /**
   * Adds `count` new objects, each newer than every existing one (or all at `created`, unix
   * seconds, when given), as if made in Stripe since the last sync, without events. Returns them newest first.
   */
  add(resource: string, count: number, options?: { created?: number }): readonly Record<string, unknown>[];
  /** Creates an object now, with `fields` over a generated one, and its event. Also `POST /v1/<resource>`. */
  create(resource: string, fields?: Fields): Record<string, unknown>;
  /** Updates an object and records its event; undefined when there is no such object. Also `POST /v1/<resource>/<id>`. */
  update(resource: string, id: string, fields: Fields): Record<string, unknown> | undefined;
  /** Deletes an object and records its event; undefined when there is no such object. Also `DELETE /v1/<resource>/<id>`. */
  remove(resource: string, id: string): Record<string, unknown> | undefined;
  /** Requests served so far (the most recent 100,000), oldest first. */
  requests: readonly EmulatorRequest[];
  resetRequests(): void;
  /** A snapshot of the counters; also `GET /_emulator/counters` (no key needed). */
  readonly counters: EmulatorCounters;
  resetCounters(): void;
  /** Queues a fault for the next `fault.count` matching requests. Faults are matched in order. */
  inject(fault: EmulatorFault): void;
  /** Drops the faults still queued. */
  clearFaults(): void;
  /** Sets the latency of every later response, in milliseconds. */
  delay(ms: number): void;
  /** Sets the rate limit (requests per second), or removes it (undefined). */
  setRateLimit(perSecond: number | undefined): void;
  /** Sets the share of requests failed with a 500. */
  setFailureRate(share: number): void;
  /** Makes a resource unavailable to this account, or available again (undefined). */
  setUnavailable(resource: string, kind: Unavailability | undefined): void;
  /** Sets how lists differ from Stripe's from now on (`ignoreCreatedFilter`, `ignoreStartingAfter`); `{}` for Stripe's. */
  setListQuirks(quirks: ListQuirks): void;
  /** Stops listening and drops open connections, including requests still waiting on latency. */
  close(): Promise<void>;
}
