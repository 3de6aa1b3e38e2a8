/**
 * Deterministic fake records shaped like Stripe customers (https://docs.stripe.com/api/customers/object).
 * Record `index` of a stream depends only on (seed, stream, index), so a read can resume at any index.
 */

/** First `created` timestamp, unix seconds (2023-11-14); record i was created `i` seconds later. */
const EPOCH_S = 1_700_000_000;

/** The index of the first record whose `updated` (unix seconds) is later than `updated`. */
export function indexAfter(updated: number): number {
  return Math.max(0, Math.floor(updated) - EPOCH_S + 1);
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie'];
const CITIES: readonly (readonly [string, string, string])[] = [
  ['Paris', 'FR', '75001'],
  ['Berlin', 'DE', '10115'],
  ['Dublin', 'IE', 'D02'],
  ['Austin', 'US', '78701'],
  ['Tokyo', 'JP', '100-0001'],
];
const CURRENCIES = ['usd', 'eur', 'gbp', 'jpy'];
const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua';
/** Text that padding is cut from: long enough for any record size without allocation per record. */
let padding = WORDS;

/** A 32-bit hash of a string (FNV-1a). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG; returns a function giving floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/**
 * Characters of a customer's JSON (with an empty `description`) that are the same in every customer:
 * keys, punctuation and constant values. Measured once, on the first customer made (see `fakeCustomer`).
 */
let skeletonChars: number | undefined;

/**
 * Customer number `index` of a stream whose seed hash is `streamSeed` (see `hash32`), padded with a
 * `description` so that its JSON is `recordBytes` bytes (when it is shorter without one). `created`
 * and `updated` grow with the index (unix seconds), so `updated` is a usable cursor.
 *
 * The JSON's length without padding is counted, not serialized: the constant part (`skeletonChars`)
 * plus the length of each value that varies, none of which JSON escapes (ASCII letters, digits,
 * `.@+-` and spaces). A second JSON.stringify of every record cost a fifth of the source's CPU.
 */
export function fakeCustomer(streamSeed: number, index: number, recordBytes: number): Record<string, unknown> {
  const random = prng(streamSeed ^ Math.imul(index + 1, 0x9e3779b1));
  const first = pick(random, FIRST_NAMES);
  const last = pick(random, LAST_NAMES);
  const [city, country, postalCode] = pick(random, CITIES);
  const created = EPOCH_S + index;
  const id = `cus_${streamSeed.toString(36)}${index.toString(36).padStart(8, '0')}`;
  const line1 = `${1 + Math.floor(random() * 200)} Main Street`;
  const balance = Math.floor(random() * 20_000) - 10_000;
  const currency = pick(random, CURRENCIES);
  const delinquent = random() < 0.1;
  const email = `${first.toLowerCase()}.${last.toLowerCase()}.${index}@example.com`;
  const invoicePrefix = id.slice(4, 12).toUpperCase();
  const seq = String(index);
  const name = `${first} ${last}`;
  const nextInvoiceSequence = 1 + Math.floor(random() * 50);
  const phone = `+1555${String(Math.floor(random() * 10_000_000)).padStart(7, '0')}`;
  const customer: Record<string, unknown> = {
    id,
    object: 'customer',
    address: { city, country, line1, line2: null, postal_code: postalCode, state: null },
    balance,
    created,
    updated: created,
    currency,
    default_source: null,
    delinquent,
    description: '',
    discount: null,
    email,
    invoice_prefix: invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null },
    livemode: false,
    metadata: { seq },
    name,
    next_invoice_sequence: nextInvoiceSequence,
    phone,
    preferred_locales: ['en'],
    shipping: null,
    tax_exempt: 'none',
  };
  const varying =
    id.length + city.length + country.length + line1.length + postalCode.length + String(balance).length +
    2 * String(created).length + currency.length + (delinquent ? 4 : 5) + email.length + invoicePrefix.length +
    seq.length + name.length + String(nextInvoiceSequence).length + phone.length;
  skeletonChars ??= JSON.stringify(customer).length - varying;
  const missing = recordBytes - (skeletonChars + varying);
  if (missing > 0) customer.description = paddingOf(missing, Math.floor(random() * WORDS.length));
  return customer;
}

function paddingOf(length: number, offset: number): string {
  while (padding.length < offset + length) padding += ` ${padding}`;
  return padding.slice(offset, offset + length);
}

/** JSON Schema of a fake customer, shaped like Stripe's (nullable fields, `unix-time` timestamps). */
export const customerSchema: Record<string, unknown> = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['customer'] },
    address: { anyOf: [{ type: 'object', properties: { city: { type: ['string', 'null'] } } }, { type: 'null' }] },
    balance: { type: 'integer' },
    created: { type: 'integer', format: 'unix-time' },
    updated: { type: 'integer', format: 'unix-time' },
    currency: { type: ['string', 'null'] },
    default_source: { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] },
    delinquent: { type: ['boolean', 'null'] },
    description: { type: ['string', 'null'] },
    discount: { type: ['object', 'null'] },
    email: { type: ['string', 'null'] },
    invoice_prefix: { type: ['string', 'null'] },
    invoice_settings: { type: 'object' },
    livemode: { type: 'boolean' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    name: { type: ['string', 'null'] },
    next_invoice_sequence: { type: 'integer' },
    phone: { type: ['string', 'null'] },
    preferred_locales: { type: 'array', items: { type: 'string' } },
    shipping: { type: ['object', 'null'] },
    tax_exempt: { type: ['string', 'null'], enum: ['exempt', 'none', 'reverse', null] },
  },
};
