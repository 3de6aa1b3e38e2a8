/**
 * Creating, updating and deleting objects while the emulator runs, and the events that say so, as
 * on Stripe (https://docs.stripe.com/api/events): each mutation of an object of a resource that
 * has event types (resources.json `events`) stores an event `{ id, object: 'event', type, created,
 * data: { object, previous_attributes? } }` of that type, listed by `GET /v1/events` newest first.
 * Resources Stripe sends no events for (balance transactions, shipping rates, …) change silently.
 *
 * Event ids grow with every event, so events of the same second list in the order they happened
 * (Stripe orders same-second events its own way; a test needs one it can rely on).
 */
import { BASE62 } from './random.ts';
import type { Dataset } from './dataset.ts';
import type { StripeObject } from './resources.ts';

/** Field values as given to the API: plain JSON, or strings from a form body. */
export type Fields = Readonly<Record<string, unknown>>;

/** An emulated event, as served by `/v1/events`. */
export type EmulatorEvent = StripeObject & { id: string; type: string; created: number; data: { object: StripeObject; previous_attributes?: StripeObject } };

function sortableId(sequence: number): string {
  let digits = '';
  for (let n = sequence; digits.length < 12; n = Math.floor(n / 62)) digits = BASE62[n % 62] + digits;
  return `evt_1M${digits}`;
}

/** `value` typed like `current` where a form gave a string ("42" for a number field, "true" for a boolean). */
function coerce(value: unknown, current: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value === '') return null;
  if (typeof current === 'number' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (typeof current === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Applies `fields` to `object` in place; returns the previous values of the fields that changed. */
export function applyFields(object: StripeObject, fields: Fields): StripeObject {
  const previous: StripeObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id' || key === 'object') continue;
    if (key === 'metadata' && value && typeof value === 'object') {
      const metadata = { ...((object.metadata as Record<string, unknown> | null) ?? {}) };
      previous.metadata = { ...metadata };
      // Stripe: an empty value unsets a key.
      for (const [k, v] of Object.entries(value)) if (v === '' || v === null) delete metadata[k];
      else metadata[k] = String(v);
      object.metadata = metadata;
      continue;
    }
    const next = coerce(value, object[key]);
    if (JSON.stringify(next) === JSON.stringify(object[key])) continue;
    previous[key] = object[key] ?? null;
    object[key] = next;
  }
  return previous;
}

export class Mutations {
  readonly #dataset: Dataset;
  readonly #now: () => number;
  #sequence = 0;

  /** @param now unix seconds. */
  constructor(dataset: Dataset, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.#dataset = dataset;
    this.#now = now;
  }

  /** Creates an object of `resource` (created now) with `fields` over a generated one. */
  create(resource: string, fields: Fields = {}): StripeObject {
    const created = this.#now();
    const object = this.#dataset.insert(resource, created, (generated) => {
      applyFields(generated, fields);
      return generated;
    });
    this.#event(resource, 'created', object);
    return object;
  }

  /** Updates the object with `id`; undefined when there is none. */
  update(resource: string, id: string, fields: Fields): StripeObject | undefined {
    const object = this.#dataset.objectById(resource, id);
    if (!object) return undefined;
    const previous = applyFields(object, fields);
    this.#dataset.replace(resource, object);
    if (Object.keys(previous).length > 0) this.#event(resource, 'updated', object, previous);
    return object;
  }

  /** Deletes the object with `id`; returns Stripe's answer `{ id, object, deleted: true }`, or undefined. */
  remove(resource: string, id: string): StripeObject | undefined {
    const object = this.#dataset.remove(resource, id);
    if (!object) return undefined;
    this.#event(resource, 'deleted', object);
    return { id, object: object.object, deleted: true };
  }

  #event(resource: string, change: 'created' | 'updated' | 'deleted', object: StripeObject, previous?: StripeObject): void {
    const type = this.#dataset.definition(resource).events[change];
    if (!type) return;
    const id = sortableId(this.#sequence++);
    const created = this.#now();
    this.#dataset.insert('events', created, () => ({
      id,
      object: 'event',
      api_version: '2024-04-10',
      created,
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    }), id);
  }
}

/** `a[b][c]=v` form fields as nested objects (Stripe's form encoding). */
export function parseForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replaceAll(']', '').split('[');
    let target = out;
    for (const segment of path.slice(0, -1)) target = (target[segment] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value;
  }
  return out;
}
