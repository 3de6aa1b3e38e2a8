/**
 * The emulator's data: for every resource, the ids and `created` times of all its objects (kept in
 * memory, a few dozen bytes each), and the objects themselves, generated on demand from the seed.
 * 100,000 objects cost a few megabytes, not the gigabyte their JSON would.
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

export interface DatasetOptions {
  /** Total objects across all resources, split by each resource's weight. */
  objects: number;
  seed: number | string;
  /** Exact object counts for some resources, overriding the split. */
  counts?: Readonly<Record<string, number>>;
}

class ResourceData {
  readonly definition: ResourceDefinition;
  /** Objects generated at start; `ref` only points at these, so later additions never change them. */
  readonly baseCount: number;
  /** By generation index. */
  readonly ids: string[] = [];
  readonly created: number[] = [];
  /** Generation indexes, newest first (created desc, then id desc, as Stripe lists). */
  order: number[] = [];
  /** id → position in `order`. */
  positions = new Map<string, number>();

  constructor(definition: ResourceDefinition, baseCount: number) {
    this.definition = definition;
    this.baseCount = baseCount;
  }

  sort(): void {
    const { ids, created } = this;
    this.order = ids.map((_, i) => i).sort((a, b) => created[b]! - created[a]! || (ids[b]! < ids[a]! ? -1 : ids[b]! > ids[a]! ? 1 : 0));
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
  readonly #resources = new Map<string, ResourceData>();

  constructor(options: DatasetOptions) {
    this.#seed = String(options.seed);
    const counted = options.counts ?? {};
    for (const name of Object.keys(counted)) {
      if (!RESOURCES.some((r) => r.name === name)) throw new Error(`unknown resource ${name} in counts; known: ${this.names.join(', ')}`);
    }
    const split = RESOURCES.filter((r) => counted[r.name] === undefined);
    const splitCounts = splitObjects(options.objects, split.map((r) => r.weight));
    for (const definition of RESOURCES) {
      const count = counted[definition.name] ?? splitCounts[split.indexOf(definition)]!;
      const data = new ResourceData(definition, count);
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

  /** Position (0 = newest) of the object with this id, or undefined. */
  positionOf(resource: string, id: string): number | undefined {
    return this.#data(resource).positions.get(id);
  }

  /** `created` (unix seconds) of the object at `position`. */
  createdAt(resource: string, position: number): number {
    const data = this.#data(resource);
    return data.created[data.order[position]!]!;
  }

  /** The object at `position` (0 = newest), generated afresh: same seed, same JSON. */
  objectAt(resource: string, position: number): StripeObject {
    const data = this.#data(resource);
    return this.#generate(data, data.order[position]!);
  }

  /** Every object of `resource`, newest first. Materialises them all: for tests, not for 100k. */
  objects(resource: string): StripeObject[] {
    const data = this.#data(resource);
    return data.order.map((index) => this.#generate(data, index));
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
    return added.map((index) => this.#generate(data, index)).reverse();
  }

  #data(resource: string): ResourceData {
    const data = this.#resources.get(resource);
    if (!data) throw new Error(`unknown resource ${resource}; known: ${this.names.join(', ')}`);
    return data;
  }

  #push(data: ResourceData, created: number): number {
    const index = data.ids.length;
    const { name, prefix } = data.definition;
    const random = new Random(`${this.#seed}:${name}:${index}:id`);
    const suffix = idSuffix(index, hash32(`${this.#seed}:${name}`), random, prefix ? 14 : 8);
    data.ids.push(prefix ? `${prefix}_${suffix}` : suffix);
    data.created.push(created);
    return index;
  }

  /** Ascending creation times for `count` objects, spread over CREATED_FROM..CREATED_UNTIL. */
  #createdTimes(resource: string, count: number): number[] {
    const random = new Random(`${this.#seed}:${resource}:created`);
    const gaps = Array.from({ length: count + 1 }, (_, i) => (i > 0 && random.chance(TIE_SHARE) ? 0 : -Math.log(1 - random.next())));
    const total = gaps.reduce((a, b) => a + b, 0) || 1;
    const span = CREATED_UNTIL - CREATED_FROM;
    let sum = 0;
    return gaps.slice(0, count).map((gap) => {
      sum += gap;
      return CREATED_FROM + Math.floor((sum / total) * span);
    });
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
    definition.customize(object, { random, id, created, ref: (target) => this.#ref(target, created, random) });
    if ('metadata' in object && Object.keys(object.metadata as object).length === 0) {
      object.metadata = random.chance(0.3) ? { source: random.pick(['import', 'api', 'dashboard']), ref: random.chars(10) } : {};
    }
    return object;
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
