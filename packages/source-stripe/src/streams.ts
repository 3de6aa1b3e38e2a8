/**
 * The Stripe resources this source reads, one stream each, named as Stripe's URL path segment
 * (`customers` is `GET /v1/customers`). Every one of them lists newest first and filters on
 * `created` (https://docs.stripe.com/api/pagination), which is what the incremental read relies on.
 */
import type Stripe from 'stripe';

/** Parameters of one list request; `created` bounds are unix seconds. */
export interface ListParams {
  limit: number;
  starting_after?: string;
  created?: { gte?: number; lte?: number };
}

/** One page of a list, as Stripe returns it. */
export interface ListPage {
  data: Array<Record<string, unknown>>;
  has_more: boolean;
}

type Lister = (stripe: Stripe, params: ListParams) => Promise<ListPage>;

// The SDK's list types differ per resource only in extra filters; every page is a plain object.
const page = (list: Promise<Stripe.ApiList<unknown>>) => list as unknown as Promise<ListPage>;

/** Stream name → how to list one page of it. */
export const STREAMS: Readonly<Record<string, Lister>> = {
  customers: (s, p) => page(s.customers.list(p)),
  products: (s, p) => page(s.products.list(p)),
  prices: (s, p) => page(s.prices.list(p)),
  plans: (s, p) => page(s.plans.list(p)),
  coupons: (s, p) => page(s.coupons.list(p)),
  promotion_codes: (s, p) => page(s.promotionCodes.list(p)),
  tax_rates: (s, p) => page(s.taxRates.list(p)),
  shipping_rates: (s, p) => page(s.shippingRates.list(p)),
  charges: (s, p) => page(s.charges.list(p)),
  payment_intents: (s, p) => page(s.paymentIntents.list(p)),
  setup_intents: (s, p) => page(s.setupIntents.list(p)),
  refunds: (s, p) => page(s.refunds.list(p)),
  disputes: (s, p) => page(s.disputes.list(p)),
  invoices: (s, p) => page(s.invoices.list(p)),
  // Without `status`, Stripe leaves canceled subscriptions out of the list.
  subscriptions: (s, p) => page(s.subscriptions.list({ ...p, status: 'all' })),
  credit_notes: (s, p) => page(s.creditNotes.list(p)),
  payouts: (s, p) => page(s.payouts.list(p)),
  balance_transactions: (s, p) => page(s.balanceTransactions.list(p)),
  transfers: (s, p) => page(s.transfers.list(p)),
  topups: (s, p) => page(s.topups.list(p)),
};

export const STREAM_NAMES: readonly string[] = Object.keys(STREAMS);
