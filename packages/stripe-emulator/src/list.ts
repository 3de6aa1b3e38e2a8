/**
 * `GET /v1/<resource>`: Stripe's list semantics (https://docs.stripe.com/api/pagination).
 *
 * Objects are ordered newest first (`created` desc, ties by id desc). `limit` is 1–100 (default
 * 10). `starting_after=<id>` returns the objects after (older than) that one, `ending_before=<id>`
 * the ones just before (newer than) it, still newest first; `has_more` says whether more exist in
 * the direction of travel. Where the list takes `created` (its spec parameters, resources.json), it
 * filters by unix seconds, exactly (`created=N`) or as a range (`created[gt|gte|lt|lte]=N`).
 * Subscriptions take `status` and, like Stripe, leave out canceled ones unless asked (`status=all`
 * or `status=canceled`); events take `type` (`*` as a wildcard: `customer.*`) or `types[]`. The
 * other parameters of the spec are accepted and ignored; a parameter the spec does not list is
 * refused (400), as Stripe does. `expand` is accepted and ignored.
 *
 * `ListQuirks` make the list behave like a server that is not quite Stripe: one that ignores the
 * `created` filter, or `starting_after`, while still accepting them.
 */
import type { Dataset } from './dataset.ts';
import { invalidParameter, noSuchObject, unknownParameter, type StripeErrorResponse } from './errors.ts';
import type { StripeObject } from './resources.ts';

export interface ListResponse {
  object: 'list';
  data: StripeObject[];
  has_more: boolean;
  url: string;
}

const CREATED = /^created\[(gt|gte|lt|lte)\]$/;
const ARRAY_ITEM = /^(\w+)\[(\d*)\]$/;
const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'];

function integer(param: string, value: string): number | StripeErrorResponse {
  if (!/^-?\d+$/.test(value)) return invalidParameter(param, `Invalid integer: ${value}`);
  return Number(value);
}

interface Paging {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
}

/** Reads `limit`, `starting_after`, `ending_before`; an error response when one is wrong. */
function paging(query: Readonly<Record<string, string>>): Paging | StripeErrorResponse {
  let limit = 10;
  if (query.limit !== undefined) {
    const n = integer('limit', query.limit);
    if (typeof n !== 'number') return n;
    if (n < 1) return invalidParameter('limit', `This value must be greater than or equal to 1 (it currently is '${query.limit}').`);
    if (n > 100) return invalidParameter('limit', `This value must be less than or equal to 100 (it currently is '${query.limit}').`);
    limit = n;
  }
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    return invalidParameter('ending_before', 'You may only specify one of these parameters: ending_before, starting_after.');
  }
  return { limit, ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}), ...(query.ending_before !== undefined ? { endingBefore: query.ending_before } : {}) };
}

function eventTypeMatcher(patterns: readonly string[]): (type: string) => boolean {
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`));
  return (type) => regexes.some((r) => r.test(type));
}

/** Ways a list may differ from Stripe's, to test clients against servers that are not quite Stripe. */
export interface ListQuirks {
  /** Accept `created` / `created[gt|gte|lt|lte]` and answer as if they were absent. */
  ignoreCreatedFilter?: boolean;
  /** Accept `starting_after` (an unknown id is still a 400) and answer from the top of the list. */
  ignoreStartingAfter?: boolean;
}

/** Lists one page of `resource`; `query` is the decoded query string. */
export function listObjects(dataset: Dataset, resource: string, query: Readonly<Record<string, string>>, quirks: ListQuirks = {}): ListResponse | StripeErrorResponse {
  const definition = dataset.definition(resource);
  const accepted = new Set(definition.params);
  let lowest = -Infinity;
  let highest = Infinity;
  let status: string | undefined;
  const types: string[] = [];
  for (const [param, value] of Object.entries(query)) {
    const base = param.match(CREATED) ? 'created' : (param.match(ARRAY_ITEM)?.[1] ?? param);
    if (base.startsWith('expand')) continue;
    if (!accepted.has(base)) return unknownParameter(param);
    if (base === 'created') {
      const n = integer(param, value);
      if (typeof n !== 'number') return n;
      const op = param.match(CREATED)?.[1] ?? 'eq';
      if (op === 'gt' || op === 'gte' || op === 'eq') lowest = Math.max(lowest, op === 'gt' ? n + 1 : n);
      if (op === 'lt' || op === 'lte' || op === 'eq') highest = Math.min(highest, op === 'lt' ? n - 1 : n);
    } else if (base === 'status' && resource === 'subscriptions') {
      if (!SUBSCRIPTION_STATUSES.includes(value)) return invalidParameter(param, `Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
      status = value;
    } else if ((base === 'type' || base === 'types') && resource === 'events') {
      types.push(value);
    }
  }
  const page = paging(query);
  if ('status' in page) return page;
  // A list without `limit` in its spec (report types) answers with every object at once.
  if (!accepted.has('limit')) page.limit = Number.MAX_SAFE_INTEGER - 1;

  let matches: ((object: StripeObject) => boolean) | undefined;
  if (resource === 'subscriptions') matches = (s) => (status === undefined ? !isEnded(s) : statusMatches(s, status));
  if (types.length > 0) {
    const typeMatches = eventTypeMatcher(types);
    matches = (event) => typeMatches(String(event.type));
  }

  // Positions [start, end) hold the objects within the created range (positions are newest first).
  const count = dataset.count(resource);
  if (quirks.ignoreCreatedFilter) [lowest, highest] = [-Infinity, Infinity];
  let start = firstPosition(count, (p) => dataset.createdAt(resource, p) <= highest);
  let end = firstPosition(count, (p) => dataset.createdAt(resource, p) < lowest);
  for (const [param, id] of [['starting_after', page.startingAfter], ['ending_before', page.endingBefore]] as const) {
    if (id === undefined) continue;
    const position = dataset.positionOf(resource, id);
    if (position === undefined) return noSuchObject(400, definition.object, id, param);
    if (param === 'starting_after') start = quirks.ignoreStartingAfter ? start : Math.max(start, position + 1);
    else end = Math.min(end, position);
  }

  const found: StripeObject[] = [];
  const backwards = page.endingBefore !== undefined;
  for (let i = 0; i < end - start && found.length <= page.limit; i++) {
    const object = dataset.objectAt(resource, backwards ? end - 1 - i : start + i);
    if (!matches || matches(object)) found.push(object);
  }
  const data = found.slice(0, page.limit);
  return { object: 'list', data: backwards ? data.reverse() : data, has_more: found.length > page.limit, url: definition.path };
}

/** One page of an embedded list's items (an invoice's lines), served at the list's own URL. */
export function listItems(items: readonly StripeObject[], url: string, query: Readonly<Record<string, string>>, accepted: readonly string[] = []): ListResponse | StripeErrorResponse {
  for (const param of Object.keys(query)) {
    if (!['limit', 'starting_after', 'ending_before', ...accepted].includes(param) && !param.startsWith('expand')) return unknownParameter(param);
  }
  const page = paging(query);
  if ('status' in page) return page;
  let start = 0;
  let end = items.length;
  for (const [param, id] of [['starting_after', page.startingAfter], ['ending_before', page.endingBefore]] as const) {
    if (id === undefined) continue;
    const position = items.findIndex((item) => item.id === id);
    if (position < 0) return noSuchObject(400, String(items[0]?.object ?? 'object'), id, param);
    if (param === 'starting_after') start = position + 1;
    else end = position;
  }
  const backwards = page.endingBefore !== undefined;
  const slice = backwards ? items.slice(Math.max(start, end - page.limit), end) : items.slice(start, start + page.limit);
  const hasMore = backwards ? end - page.limit > start : start + page.limit < end;
  return { object: 'list', data: slice, has_more: hasMore, url };
}

function isEnded(subscription: StripeObject): boolean {
  return subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
}

function statusMatches(subscription: StripeObject, status: string): boolean {
  if (status === 'all') return true;
  if (status === 'ended') return isEnded(subscription);
  return subscription.status === status;
}

/** The first position in [0, count) where the monotone predicate holds, or count. */
function firstPosition(count: number, holds: (position: number) => boolean): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
