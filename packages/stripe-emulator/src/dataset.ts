/**
 * The emulator's data: for every resource, the ids and `created` times of all its objects (kept in
 * memory, a few dozen bytes each), and the objects themselves, generated on demand from the seed.
 * 100,000 objects cost a few megabytes, not the gigabyte their JSON would. Objects created,
 * updated or deleted while the emulator runs (mutations.ts) are kept whole.
 */
import { readFileSync } from 'node:fs';
import { Random, hash32, idSuffix } from './random.ts';
import { RESOURCES, type ResourceDefinition, type StripeObject } from './resources.ts';

/** The examples objects start from: Stripe's stripe-mock fixtures (MIT), see README.md. */
const EXAMPLES = JSON.parse(
  readFileSync(new URL('../fixtures/stripe-objects.json', import.meta.url), 'utf8'),
) as Record<string, StripeObject>;

/** Generated objects are created between these instants (unix seconds): 2021-01-01 to 2025-01-01. */
export const CREATED_FROM = 1_609_459_200;
export const CREATED_UNTIL = 1_735_689_600;

/** Share of objects created in the same second as the previous one, so lists have ties. */
const TIE_SHARE = 0.05;

/** Items a nested list embeds in its parent (Stripe's first page of an embedded list). */
export const EMBEDDED_ITEMS = 10;

export interface DatasetOptions {
  /** Total objects across all resources, split by each resource's weight. */
  objects: number;
  seed: number | string;
  /** Exact object counts for some resources, overriding the split. */
  counts?: Readonly<Record<string, number>>;
  /**
   * Share (0–1) of the objects with a nested list (invoice lines, subscription items, credit note
   * lines) whose list is longer than the embedded first page: 11 to 25 items, `has_more: true`.
   * Default 0: every nested list is complete in its parent (1 to 3 items).
   */
  longNestedLists?: number;
  /**
   * Objects of each resource that share one `created` second (a crowd, say 3,000 objects made by one
   * import): a block of this many consecutive objects in the middle of each resource's history, or
   * all of them when it has fewer. Default 0: only the ordinary ties.
   */
  sameSecond?: number;
  /**
   * Orders objects of the same second by a seeded hash of their id instead of by id descending (a
   * compatible server may order within a second its own way; Stripe documents only newest first).
   * Events keep the order they happened in. Default false.
   */
  shuffleWithinSecond?: boolean;
}

/** Orders two objects of the same `created` second: -1 when `a` lists first. */
type TieOrder = (a: string, b: string) => number;

const byIdDescending: TieOrder = (a, b) => (b < a ? -1 : b > a ? 1 : 0);

class ResourceData {
  readonly definition: ResourceDefinition;
  /** Objects generated at start; `ref` only points at these, so later additions never change them. */
  readonly baseCount: number;
  /** By generation index. */
  readonly ids: string[] = [];
  readonly created: number[] = [];
  /** Objects kept whole (created through the API, updated, or events), by generation index. */
  readonly stored = new Map<number, StripeObject>();
  readonly deleted = new Set<number>();
  /** Generation indexes of live objects, newest first (created desc, then id desc, as Stripe lists). */
  order: number[] = [];
  /** id → position in `order`. */
  positions = new Map<string, number>();
  /** id → generation index, deleted objects included. */
  readonly indexes = new Map<string, number>();

  readonly #tieOrder: TieOrder;

  constructor(definition: ResourceDefinition, baseCount: number, tieOrder: TieOrder) {
    this.definition = definition;
    this.baseCount = baseCount;
    this.#tieOrder = tieOrder;
  }

  sort(): void {
    const { ids, created } = this;
    this.order = ids
      .map((_, i) => i)
      .filter((i) => !this.deleted.has(i))
      .sort((a, b) => created[b]! - created[a]! || this.#tieOrder(ids[a]!, ids[b]!));
    this.positions = new Map(this.order.map((index, position) => [ids[index]!, position]));
  }
}

/** Splits `total` by weight (largest remainder), so the counts add up to exactly `total`. */
export function splitObjects(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return counts;
}

export class Dataset {
  readonly #seed: string;
  readonly #longNestedLists: number;
  readonly #sameSecond: number;
  readonly #resources = new Map<string, ResourceData>();

  constructor(options: DatasetOptions) {
    this.#seed = String(options.seed);
    this.#longNestedLists = options.longNestedLists ?? 0;
    this.#sameSecond = options.sameSecond ?? 0;
    const seed = this.#seed;
    const shuffled: TieOrder = (a, b) => hash32(`${seed}:${b}`) - hash32(`${seed}:${a}`) || byIdDescending(a, b);
    const counted = options.counts ?? {};
    for (const name of Object.keys(counted)) {
      if (!RESOURCES.some((r) => r.name === name)) throw new Error(`unknown resource ${name} in counts; known: ${this.names.join(', ')}`);
    }
    const split = RESOURCES.filter((r) => counted[r.name] === undefined);
    const splitCounts = splitObjects(options.objects, split.map((r) => r.weight));
    for (const definition of RESOURCES) {
      const count = counted[definition.name] ?? splitCounts[split.indexOf(definition)]!;
      const tieOrder = options.shuffleWithinSecond && definition.name !== 'events' ? shuffled : byIdDescending;
      const data = new ResourceData(definition, count, tieOrder);
      const times = this.#createdTimes(definition.name, count);
      for (let i = 0; i < count; i++) this.#push(data, times[i]!);
      data.sort();
      this.#resources.set(definition.name, data);
    }
  }

  get names(): string[] {
    return RESOURCES.map((r) => r.name);
  }

  has(resource: string): boolean {
    return this.#resources.has(resource);
  }

  definition(resource: string): ResourceDefinition {
    return this.#data(resource).definition;
  }

  count(resource: string): number {
    return this.#data(resource).order.length;
  }

  /** Position (0 = newest) of the live object with this id, or undefined. */
  positionOf(resource: string, id: string): number | undefined {
    return this.#data(resource).positions.get(id);
  }

  /** `created` (unix seconds) of the object at `position`. */
  createdAt(resource: string, position: number): number {
    const data = this.#data(resource);
    return data.created[data.order[position]!]!;
  }

  /** The object at `position` (0 = newest): same seed, same JSON. */
  objectAt(resource: string, position: number): StripeObject {
    const data = this.#data(resource);
    return this.#object(data, data.order[position]!);
  }

  /** The live object with this id, or undefined. */
  objectById(resource: string, id: string): StripeObject | undefined {
    const position = this.positionOf(resource, id);
    return position === undefined ? undefined : this.objectAt(resource, position);
  }

  /** Every live object of `resource`, newest first. Materialises them all: for tests, not for 100k. */
  objects(resource: string): StripeObject[] {
    const data = this.#data(resource);
    return data.order.map((index) => this.#object(data, index));
  }

  /**
   * Adds `count` objects to `resource`, each created after the newest one so far (1 to 600 s
   * apart), or all at `created` (unix seconds) when given. Returns them, newest first.
   */
  add(resource: string, count: number, created?: number): StripeObject[] {
    const data = this.#data(resource);
    const random = new Random(`${this.#seed}:${resource}:add:${data.ids.length}`);
    let last = data.created.reduce((a, b) => Math.max(a, b), CREATED_FROM);
    const added: number[] = [];
    for (let i = 0; i < count; i++) {
      last = created ?? last + random.int(1, 600);
      added.push(this.#push(data, last));
    }
    data.sort();
    return added.map((index) => this.#object(data, index)).reverse();
  }

  /**
   * Stores `object` as a new object of `resource` created at `created` (unix seconds), with `id`
   * or a new one; `shape(object, id)` may change it once its id is known. Returns it as stored.
   */
  insert(resource: string, created: number, shape: (generated: StripeObject) => StripeObject, id?: string): StripeObject {
    const data = this.#data(resource);
    if (id !== undefined && data.indexes.has(id)) throw new Error(`${resource} ${id} exists already`);
    const index = this.#push(data, created, id);
    const object = shape(this.#generate(data, index));
    data.stored.set(index, object);
    data.sort();
    return structuredClone(object);
  }

  /** Replaces the live object with `object.id`; returns false when there is none. */
  replace(resource: string, object: StripeObject): boolean {
    const data = this.#data(resource);
    const index = data.indexes.get(String(object.id));
    if (index === undefined || data.deleted.has(index)) return false;
    data.stored.set(index, structuredClone(object));
    return true;
  }

  /** Deletes the live object with this id; returns it as it was, or undefined when there is none. */
  remove(resource: string, id: string): StripeObject | undefined {
    const data = this.#data(resource);
    const index = data.indexes.get(id);
    if (index === undefined || data.deleted.has(index)) return undefined;
    const object = this.#object(data, index);
    data.deleted.add(index);
    data.stored.delete(index);
    data.sort();
    return object;
  }

  /** Every item of the nested list of the object with this id (all pages), or undefined. */
  nestedItems(resource: string, id: string): StripeObject[] | undefined {
    const data = this.#data(resource);
    const nested = data.definition.nested;
    const index = data.positions.has(id) ? data.indexes.get(id) : undefined;
    if (!nested || index === undefined) return undefined;
    return this.#nestedItems(data, index, this.#object(data, index));
  }

  #data(resource: string): ResourceData {
    const data = this.#resources.get(resource);
    if (!data) throw new Error(`unknown resource ${resource}; known: ${this.names.join(', ')}`);
    return data;
  }

  #push(data: ResourceData, created: number, id?: string): number {
    const index = data.ids.length;
    const { name, prefix } = data.definition;
    if (id === undefined) {
      const random = new Random(`${this.#seed}:${name}:${index}:id`);
      const suffix = idSuffix(index, hash32(`${this.#seed}:${name}`), random, prefix ? 14 : 8);
      id = prefix ? `${prefix}_${suffix}` : suffix;
    }
    data.ids.push(id);
    data.created.push(created);
    data.indexes.set(id, index);
    return index;
  }

  /**
   * Ascending creation times for `count` objects, spread over CREATED_FROM..CREATED_UNTIL, with the
   * `sameSecond` crowd in the middle.
   */
  #createdTimes(resource: string, count: number): number[] {
    const random = new Random(`${this.#seed}:${resource}:created`);
    const gaps = Array.from({ length: count + 1 }, (_, i) => (i > 0 && random.chance(TIE_SHARE) ? 0 : -Math.log(1 - random.next())));
    const total = gaps.reduce((a, b) => a + b, 0) || 1;
    const span = CREATED_UNTIL - CREATED_FROM;
    let sum = 0;
    const times = gaps.slice(0, count).map((gap) => {
      sum += gap;
      return CREATED_FROM + Math.floor((sum / total) * span);
    });
    const crowd = Math.min(this.#sameSecond, count);
    if (crowd >= 2) {
      const start = Math.floor((count - crowd) / 2);
      times.fill(times[start]!, start, start + crowd);
    }
    return times;
  }

  #object(data: ResourceData, index: number): StripeObject {
    const stored = data.stored.get(index);
    return stored ? structuredClone(stored) : this.#generate(data, index);
  }

  #generate(data: ResourceData, index: number): StripeObject {
    const { definition } = data;
    const example = EXAMPLES[definition.object];
    if (!example) throw new Error(`no example object for ${definition.object} in fixtures/stripe-objects.json`);
    const object = structuredClone(example);
    const random = new Random(`${this.#seed}:${definition.name}:${index}`);
    const id = data.ids[index]!;
    const created = data.created[index]!;
    Object.assign(object, { id, created, livemode: false });
    if ('metadata' in object) object.metadata = {};
    // Embedded lists name their parent in their URL.
    for (const value of Object.values(object)) {
      const list = value as { object?: unknown; url?: unknown };
      if (list && typeof list === 'object' && list.object === 'list' && typeof list.url === 'string') list.url = list.url.replaceAll(String(example.id), id);
    }
    definition.customize(object, { random, id, created, ref: (target) => this.#ref(target, created, random) });
    if (definition.name === 'events') shapeSeededEvent(object, random);
    if (!definition.hasCreated) delete object.created;
    if (definition.nested) {
      const items = this.#nestedItems(data, index, object);
      object[definition.nested.property] = {
        object: 'list',
        data: items.slice(0, EMBEDDED_ITEMS),
        has_more: items.length > EMBEDDED_ITEMS,
        total_count: items.length,
        url: definition.nested.url(id),
      };
    }
    if ('metadata' in object && Object.keys(object.metadata as object).length === 0) {
      object.metadata = random.chance(0.3) ? { source: random.pick(['import', 'api', 'dashboard']), ref: random.chars(10) } : {};
    }
    return object;
  }

  #nestedItems(data: ResourceData, index: number, parent: StripeObject): StripeObject[] {
    const nested = data.definition.nested!;
    const random = new Random(`${this.#seed}:${data.definition.name}:${index}:${nested.property}`);
    const long = random.chance(this.#longNestedLists);
    const count = long ? random.int(EMBEDDED_ITEMS + 1, 25) : random.int(1, 3);
    const example = EXAMPLES[nested.item];
    if (!example) throw new Error(`no example object for ${nested.item} in fixtures/stripe-objects.json`);
    const parentSuffix = String(parent.id).slice(String(parent.id).indexOf('_') + 1);
    return Array.from({ length: count }, (_, i) => {
      const item = structuredClone(example);
      Object.assign(item, { id: `${nested.prefix}_${parentSuffix}${String(i).padStart(3, '0')}`, livemode: false });
      if ('metadata' in item) item.metadata = {};
      if ('amount' in item) item.amount = random.int(1, 2000) * 50;
      nested.customizeItem(item, parent);
      return item;
    });
  }

  /**
   * A random id among `target`'s initial objects created at or before `created`; the oldest one
   * when none is that old (a price needs a product); null when `target` has no objects.
   */
  #ref(target: string, created: number, random: Random): string | null {
    const data = this.#data(target);
    // Initial objects are in ascending `created` by generation index: binary search the last one ≤ created.
    let lo = 0;
    let hi = data.baseCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (data.created[mid]! <= created) lo = mid + 1;
      else hi = mid;
    }
    if (data.baseCount === 0) return null;
    return data.ids[random.int(0, Math.max(lo, 1) - 1)]!;
  }
}

/**
 * Events generated with the data are about the account's balance (`balance.available`), which is
 * no stream: the events that name served objects are the ones mutations create.
 */
function shapeSeededEvent(event: StripeObject, random: Random): void {
  const amountAvailable = random.int(1, 2000) * 500;
  Object.assign(event, {
    type: 'balance.available',
    api_version: '2024-04-10',
    data: { object: { object: 'balance', available: [{ amount: amountAvailable, currency: 'usd', source_types: { card: amountAvailable } }], livemode: false, pending: [] } },
  });
}
