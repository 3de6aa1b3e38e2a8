/**
 * The Stripe resources the emulator serves and how each object is varied from its example.
 *
 * The list of resources is the Stripe source's catalog: every top-level list endpoint of Stripe's
 * OpenAPI spec whose objects carry an id (`fixtures/resources.json`, generated with
 * `scripts/generate-fixtures.ts`), each with the query parameters it accepts and the event types a
 * create, update or delete of one of its objects sends.
 *
 * Every object starts as a deep copy of Stripe's own example object for that resource
 * (`fixtures/stripe-objects.json`, from stripe-mock) and then gets its id, `created`, metadata and,
 * for the twenty resources below, resource-specific fields. Fields that refer to another of those
 * resources (`customer`, `product`, `charge`, `invoice`, ...) always name an object that exists,
 * created no later when there is one that old; they are null only when the other resource has no
 * objects. Other references are left as in the example.
 */
import { readFileSync } from 'node:fs';
import type { Random } from './random.ts';

export type StripeObject = Record<string, unknown>;

/** What a resource customiser may use while shaping one object. */
export interface ObjectContext {
  random: Random;
  id: string;
  /** Unix seconds. */
  created: number;
  /**
   * The id of a random object of `resource` created at or before `created` (the oldest one when
   * none is that old), or null when `resource` has no objects.
   */
  ref(resource: string): string | null;
}

/** A list embedded in each object of a resource, first page only, also served at its own URL. */
export interface NestedList {
  /** The object's property holding the list, e.g. `lines`. */
  property: string;
  /** Example object of the items (`line_item`) and their id prefix (`il`). */
  item: string;
  prefix: string;
  /** The list's URL for the object with id `id`. */
  url(id: string): string;
  /** Sets the item's fields from its parent. */
  customizeItem(item: StripeObject, parent: StripeObject): void;
}

/** Event types sent when an object of a resource is created, updated or deleted; absent where Stripe sends none. */
export interface ResourceEvents {
  created?: string;
  updated?: string;
  deleted?: string;
}

export interface ResourceDefinition {
  /** Stream name, e.g. `issuing_cards`. */
  name: string;
  /** List endpoint, e.g. `/v1/issuing/cards`. */
  path: string;
  /** The `object` value and the key of the example in the fixtures. */
  object: string;
  /** Id prefix, as Stripe's (`cus` → `cus_QXg1o8vcGmoR32`); empty for ids without one (coupons). */
  prefix: string;
  /** Whether the objects carry `created` (every object has a creation time in the emulator, for ordering). */
  hasCreated: boolean;
  /** Query parameters the list accepts (Stripe refuses others). */
  params: readonly string[];
  events: ResourceEvents;
  /** Share of the emulator's `objects`, relative to the other resources' weights. */
  weight: number;
  customize(object: StripeObject, ctx: ObjectContext): void;
  nested?: NestedList;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim', 'Margaret', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee', 'Hamilton', 'Torvalds'];
const CITIES = [['Paris', 'FR'], ['Berlin', 'DE'], ['New York', 'US'], ['Tokyo', 'JP'], ['Toronto', 'CA'], ['Dublin', 'IE']] as const;
const CURRENCIES = ['usd', 'usd', 'usd', 'eur', 'gbp'];
const PRODUCTS = ['T-shirt', 'Hoodie', 'Mug', 'Sticker pack', 'Pro plan', 'Team plan', 'Support hours', 'Gift card'];

function amount(random: Random): number {
  return random.int(1, 2000) * 50;
}

function person(random: Random) {
  const name = `${random.pick(FIRST)} ${random.pick(LAST)}`;
  const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${random.int(1, 9999)}@example.com`;
  return { name, email };
}

/** The resources with a shape of their own: their weight (share of `objects`) and customiser. */
const CUSTOMIZED: Readonly<Record<string, { weight: number; customize(object: StripeObject, ctx: ObjectContext): void }>> = {
  customers: {
    weight: 12,
    customize(o, { random }) {
      const { name, email } = person(random);
      const [city, country] = random.pick(CITIES);
      Object.assign(o, {
        name, email, description: random.chance(0.5) ? `Customer ${name}` : null,
        phone: random.chance(0.4) ? `+1555${random.chars(7, '0123456789')}` : null,
        address: { city, country, line1: `${random.int(1, 999)} Main Street`, line2: null, postal_code: random.chars(5, '0123456789'), state: null },
        balance: random.chance(0.8) ? 0 : -amount(random), currency: random.pick(CURRENCIES), discount: null,
        invoice_prefix: random.chars(7, '0123456789ABCDEF'), delinquent: random.chance(0.05),
        preferred_locales: random.chance(0.3) ? [random.pick(['en', 'fr', 'de', 'ja'])] : [],
      });
    },
  },
  products: {
    weight: 3,
    customize(o, { random, created }) {
      const name = random.pick(PRODUCTS);
      Object.assign(o, { name, description: `${name} (${random.chars(4)})`, active: random.chance(0.9), default_price: null, package_dimensions: null, updated: created + random.int(0, 86_400 * 30) });
    },
  },
  prices: {
    weight: 5,
    customize(o, { random, ref }) {
      const unit = amount(random);
      const recurring = random.chance(0.6);
      Object.assign(o, {
        product: ref('products'), currency: random.pick(CURRENCIES), unit_amount: unit, unit_amount_decimal: String(unit),
        type: recurring ? 'recurring' : 'one_time', active: random.chance(0.9), transform_quantity: null, custom_unit_amount: null,
        recurring: recurring ? { interval: random.pick(['month', 'year']), interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null } : null,
      });
    },
  },
  plans: {
    weight: 2,
    customize(o, { random, ref }) {
      const unit = amount(random);
      Object.assign(o, { product: ref('products'), amount: unit, amount_decimal: String(unit), currency: random.pick(CURRENCIES), interval: random.pick(['month', 'year']), active: random.chance(0.9), transform_usage: null });
    },
  },
  coupons: {
    weight: 1,
    customize(o, { random }) {
      const percent = random.chance(0.6);
      const off = percent ? random.int(5, 50) : amount(random);
      Object.assign(o, {
        percent_off: percent ? off : null, amount_off: percent ? null : off, currency: percent ? null : 'usd',
        name: percent ? `${off}% off` : `${off / 100} off`, duration: random.pick(['once', 'forever', 'repeating']),
        times_redeemed: random.int(0, 500), redeem_by: null, duration_in_months: null,
      });
    },
  },
  promotion_codes: {
    weight: 1,
    customize(o, { random, ref }) {
      Object.assign(o, { code: random.chars(8, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'), active: random.chance(0.7), expires_at: null, times_redeemed: random.int(0, 100), promotion: { coupon: ref('coupons'), type: 'coupon' } });
    },
  },
  tax_rates: {
    weight: 1,
    customize(o, { random }) {
      const [, country] = random.pick(CITIES);
      Object.assign(o, { country, percentage: random.pick([5, 7.5, 10, 19, 20, 21]), active: random.chance(0.8), inclusive: random.chance(0.5) });
    },
  },
  shipping_rates: {
    weight: 1,
    customize(o, { random }) {
      Object.assign(o, { display_name: random.pick(['Ground', 'Express', 'Overnight']), active: random.chance(0.8), fixed_amount: { amount: amount(random), currency: 'usd' } });
    },
  },
  charges: {
    weight: 14,
    customize(o, { random, ref }) {
      const value = amount(random);
      const refunded = random.chance(0.1);
      const { name, email } = person(random);
      Object.assign(o, {
        amount: value, amount_captured: value, amount_refunded: refunded ? value : 0, refunded, captured: true,
        customer: ref('customers'), balance_transaction: null, payment_intent: null, payment_method: null, source: null,
        currency: random.pick(CURRENCIES), status: random.chance(0.9) ? 'succeeded' : 'failed', receipt_email: email,
        description: random.chance(0.5) ? `Order ${random.chars(6)}` : null, transfer_data: null, receipt_url: null,
        billing_details: { ...(o.billing_details as object), name, email },
        refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${o.id as string}/refunds` },
      });
    },
  },
  payment_intents: {
    weight: 14,
    customize(o, { random, ref, id }) {
      const value = amount(random);
      const status = random.pick(['succeeded', 'succeeded', 'succeeded', 'requires_payment_method', 'canceled', 'processing']);
      Object.assign(o, {
        amount: value, amount_received: status === 'succeeded' ? value : 0, currency: random.pick(CURRENCIES), status,
        customer: ref('customers'), latest_charge: null, client_secret: `${id}_secret_${random.chars(24)}`,
        canceled_at: null, last_payment_error: null, next_action: null, processing: null, transfer_data: null,
        payment_method_configuration_details: null, description: random.chance(0.3) ? `Order ${random.chars(6)}` : null,
      });
    },
  },
  setup_intents: {
    weight: 3,
    customize(o, { random, ref, id }) {
      Object.assign(o, { customer: ref('customers'), client_secret: `${id}_secret_${random.chars(24)}`, status: random.pick(['succeeded', 'requires_payment_method', 'canceled']) });
    },
  },
  refunds: {
    weight: 3,
    customize(o, { random, ref }) {
      Object.assign(o, { amount: amount(random), charge: ref('charges'), reason: random.pick([null, 'requested_by_customer', 'duplicate', 'fraudulent']), status: random.chance(0.95) ? 'succeeded' : 'pending' });
    },
  },
  disputes: {
    weight: 1,
    customize(o, { random, ref }) {
      Object.assign(o, { amount: amount(random), charge: ref('charges'), reason: random.pick(['fraudulent', 'general', 'product_not_received', 'duplicate']), status: random.pick(['won', 'lost', 'needs_response', 'under_review']) });
    },
  },
  invoices: {
    weight: 10,
    customize(o, { random, ref }) {
      const due = amount(random);
      const paid = random.chance(0.8);
      Object.assign(o, {
        customer: ref('customers'), subscription: null, amount_due: due, amount_paid: paid ? due : 0, amount_remaining: paid ? 0 : due,
        status: paid ? 'paid' : random.pick(['open', 'draft', 'void', 'uncollectible']), currency: random.pick(CURRENCIES),
        from_invoice: null, last_finalization_error: null, number: `${random.chars(8, '0123456789ABCDEF')}-${random.int(1, 9999)}`,
      });
    },
  },
  subscriptions: {
    weight: 6,
    customize(o, { random, ref, created }) {
      const status = random.pick(['active', 'active', 'active', 'trialing', 'past_due', 'canceled', 'incomplete']);
      const canceledAt = status === 'canceled' ? created + random.int(86_400, 86_400 * 365) : null;
      Object.assign(o, {
        customer: ref('customers'), status, canceled_at: canceledAt, ended_at: canceledAt, cancel_at: null,
        billing_cycle_anchor: created, start_date: created, latest_invoice: null, transfer_data: null,
        billing_cycle_anchor_config: null,
      });
    },
  },
  credit_notes: {
    weight: 2,
    customize(o, { random, ref }) {
      const value = amount(random);
      Object.assign(o, { customer: ref('customers'), invoice: ref('invoices'), amount: value, total: value, subtotal: value, reason: random.pick([null, 'duplicate', 'order_change', 'product_unsatisfactory']) });
    },
  },
  payouts: {
    weight: 2,
    customize(o, { random, ref, created }) {
      Object.assign(o, { amount: amount(random) * 10, balance_transaction: ref('balance_transactions'), arrival_date: created + 86_400 * random.int(1, 4), status: random.pick(['paid', 'paid', 'pending', 'in_transit', 'failed']) });
    },
  },
  balance_transactions: {
    weight: 16,
    customize(o, { random, ref, created }) {
      const value = amount(random);
      const fee = Math.round(value * 0.029) + 30;
      Object.assign(o, { amount: value, fee, net: value - fee, source: ref('charges'), available_on: created + 86_400 * 2, type: 'charge', currency: random.pick(CURRENCIES) });
    },
  },
  transfers: {
    weight: 2,
    customize(o, { random, ref, id }) {
      Object.assign(o, { amount: amount(random), balance_transaction: ref('balance_transactions'), source_transaction: null, reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` } });
    },
  },
  topups: {
    weight: 1,
    customize(o, { random, ref }) {
      Object.assign(o, { amount: amount(random) * 10, balance_transaction: ref('balance_transactions'), source: null, status: random.pick(['succeeded', 'pending', 'failed']) });
    },
  },
};

/** Weight of each resource without a customiser: a few objects each, most go to the twenty above. */
const OTHER_WEIGHT = 0.25;

const NESTED: Readonly<Record<string, NestedList>> = {
  invoices: {
    property: 'lines', item: 'line_item', prefix: 'il', url: (id) => `/v1/invoices/${id}/lines`,
    customizeItem: (item, invoice) => Object.assign(item, { invoice: invoice.id, currency: invoice.currency }),
  },
  subscriptions: {
    property: 'items', item: 'subscription_item', prefix: 'si', url: (id) => `/v1/subscription_items?subscription=${id}`,
    customizeItem: (item, subscription) => Object.assign(item, { subscription: subscription.id, created: subscription.created }),
  },
  credit_notes: {
    property: 'lines', item: 'credit_note_line_item', prefix: 'cnli', url: (id) => `/v1/credit_notes/${id}/lines`,
    customizeItem: () => {},
  },
};

interface GeneratedResource {
  name: string;
  path: string;
  object: string;
  prefix: string;
  hasCreated: boolean;
  params: string[];
  events: ResourceEvents;
}

const GENERATED = JSON.parse(readFileSync(new URL('../fixtures/resources.json', import.meta.url), 'utf8')) as GeneratedResource[];

/** Every resource, in the order of their paths (the Stripe source's catalog order). */
export const RESOURCES: readonly ResourceDefinition[] = GENERATED.map((resource) => {
  const custom = CUSTOMIZED[resource.name];
  const nested = NESTED[resource.name];
  return {
    ...resource,
    weight: custom?.weight ?? OTHER_WEIGHT,
    customize: custom?.customize ?? (() => {}),
    ...(nested ? { nested } : {}),
  };
});
