/**
 * `GET /v1/<resource>`: Stripe's list semantics (https://docs.stripe.com/api/pagination).
 *
 * Objects are ordered newest first (`created` desc, ties by id desc). `limit` is 1–100 (default
 * 10). `starting_after=<id>` returns the objects after (older than) that one, `ending_before=<id>`
 * the ones just before (newer than) it, still newest first; `has_more` says whether more exist in
 * the direction of travel. `created` filters by unix seconds, exactly (`created=N`) or as a range
 * (`created[gt|gte|lt|lte]=N`). Subscriptions take `status` and, like Stripe, leave out canceled
 * ones unless asked (`status=all` or `status=canceled`). Unknown parameters are refused (400), as
 * Stripe does; `expand` is accepted and ignored.
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
const SUBSCRIPTION_STATUSES = ['active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'trialing', 'paused', 'all', 'ended'];

function integer(param: string, value: string): number | StripeErrorResponse {
  if (!/^-?\d+$/.test(value)) return invalidParameter(param, `Invalid integer: ${value}`);
  return Number(value);
}

/** Lists one page of `resource`; `query` is the decoded query string. */
export function listObjects(dataset: Dataset, resource: string, query: Readonly<Record<string, string>>): ListResponse | StripeErrorResponse {
  const definition = dataset.definition(resource);
  let limit = 10;
  let lowest = -Infinity;
  let highest = Infinity;
  let status: string | undefined;
  for (const [param, value] of Object.entries(query)) {
    if (param === 'limit') {
      const n = integer(param, value);
      if (typeof n !== 'number') return n;
      if (n < 1) return invalidParameter(param, `This value must be greater than or equal to 1 (it currently is '${value}').`);
      if (n > 100) return invalidParameter(param, `This value must be less than or equal to 100 (it currently is '${value}').`);
      limit = n;
    } else if (param === 'created' || CREATED.test(param)) {
      const n = integer(param, value);
      if (typeof n !== 'number') return n;
      const op = param.match(CREATED)?.[1] ?? 'eq';
      if (op === 'gt' || op === 'gte' || op === 'eq') lowest = Math.max(lowest, op === 'gt' ? n + 1 : n);
      if (op === 'lt' || op === 'lte' || op === 'eq') highest = Math.min(highest, op === 'lt' ? n - 1 : n);
    } else if (param === 'status' && resource === 'subscriptions') {
      if (!SUBSCRIPTION_STATUSES.includes(value)) return invalidParameter(param, `Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`);
      status = value;
    } else if (param !== 'starting_after' && param !== 'ending_before' && !param.startsWith('expand')) {
      return unknownParameter(param);
    }
  }
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    return invalidParameter('ending_before', 'You may only specify one of these parameters: ending_before, starting_after.');
  }

  // Positions [start, end) hold the objects within the created range (positions are newest first).
  const count = dataset.count(resource);
  let start = firstPosition(count, (p) => dataset.createdAt(resource, p) <= highest);
  let end = firstPosition(count, (p) => dataset.createdAt(resource, p) < lowest);
  for (const param of ['starting_after', 'ending_before'] as const) {
    const id = query[param];
    if (id === undefined) continue;
    const position = dataset.positionOf(resource, id);
    if (position === undefined) return noSuchObject(400, definition.object, id, param);
    if (param === 'starting_after') start = Math.max(start, position + 1);
    else end = Math.min(end, position);
  }

  const matches = (object: StripeObject) => status === undefined ? !(resource === 'subscriptions' && isEnded(object)) : statusMatches(object, status);
  const found: StripeObject[] = [];
  const backwards = query.ending_before !== undefined;
  for (let i = 0; i < end - start && found.length <= limit; i++) {
    const object = dataset.objectAt(resource, backwards ? end - 1 - i : start + i);
    if (resource !== 'subscriptions' || matches(object)) found.push(object);
  }
  const data = found.slice(0, limit);
  return { object: 'list', data: backwards ? data.reverse() : data, has_more: found.length > limit, url: `/v1/${resource}` };
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
