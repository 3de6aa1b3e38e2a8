/**
 * Deterministic randomness for the emulator: every value derives from the seed, so two emulators
 * with the same seed serve byte-identical data.
 */

/** A 32-bit hash of a string (FNV-1a followed by a murmur3 finaliser). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded pseudo-random generator (mulberry32): small, fast, good enough for test data. */
export class Random {
  #state: number;

  constructor(seed: number | string) {
    this.#state = typeof seed === 'number' ? mix32(seed) : hash32(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `length` characters of [0-9A-Za-z]. */
  chars(length: number, alphabet = BASE62): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A Stripe-looking id suffix that is unique per `index`: six characters encode a bijective scramble
 * of the index (so no two indexes collide), the rest are random.
 */
export function idSuffix(index: number, key: number, random: Random, length = 14): string {
  // An invertible permutation of 32-bit integers (xor-shift and odd multiplications are bijective).
  let x = (index ^ key) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  let unique = '';
  for (let i = 0; i < 6; i++) {
    unique += BASE62[x % 62];
    x = Math.floor(x / 62);
  }
  return unique + random.chars(length - 6);
}
