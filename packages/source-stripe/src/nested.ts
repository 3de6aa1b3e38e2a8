/**
 * Nested lists, expanded in place. Stripe embeds some lists in their parent object, first page only:
 * an invoice's `lines`, a subscription's `items`, a credit note's `lines`, a transfer's `reversals`,
 * an application fee's `refunds`, … each `{ object: 'list', data, has_more, url }`. When `has_more`
 * is true, the rest is fetched from the list's own `url` (`/v1/invoices/in_1/lines`,
 * `/v1/subscription_items?subscription=sub_1`) and appended, so the record carries the whole list
 * and `has_more: false`. These lists are not streams of their own: their items live in the
 * parent's record (README.md, "Nested lists").
 */
import type { ListPage, StripeClient, StripeObject } from './client.ts';

interface EmbeddedList {
  object: 'list';
  data: StripeObject[];
  has_more: boolean;
  url: string;
}

function isTruncatedList(value: unknown): value is EmbeddedList {
  if (typeof value !== 'object' || value === null) return false;
  const list = value as Partial<EmbeddedList>;
  return list.object === 'list' && list.has_more === true && Array.isArray(list.data) && typeof list.url === 'string' && list.url.startsWith('/v1/');
}

/** Whether `object` has an embedded list with more pages to fetch. */
export function hasTruncatedLists(object: StripeObject): boolean {
  return Object.values(object).some(isTruncatedList);
}

/**
 * Completes every truncated top-level list of `object`, in place.
 * @param pageSize objects per request (1–100).
 */
export async function completeNestedLists(object: StripeObject, client: StripeClient, pageSize: number, stream?: string): Promise<void> {
  for (const value of Object.values(object)) {
    if (!isTruncatedList(value)) continue;
    let page: ListPage = value;
    while (page.has_more) {
      const last = page.data.at(-1);
      if (!last || typeof last.id !== 'string') break;
      page = await client.list(value.url, { limit: pageSize, starting_after: last.id }, stream);
      value.data.push(...page.data);
    }
    value.has_more = false;
  }
}
