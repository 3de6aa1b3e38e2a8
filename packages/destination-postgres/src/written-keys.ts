/**
 * The keys a write has put straight into a table it found empty (staging.ts, direct rows): a set of
 * 47-bit hashes of key identities, each marked with the batch that wrote it and how. Two keys may
 * share a hash; the set then answers "seen" for a key it never held, which only sends that record
 * through the staging table and the merge (always correct), never the other way round. 8 bytes per
 * slot, at most 3/4 of the slots used: 16 MiB for 1.5 million keys, the most it holds (`MAX_KEYS`);
 * past them, or past batch `MAX_BATCH`, it answers "seen" for every key, and the write stops writing
 * direct rows.
 */

/** Keys held at most; 2^21 slots (16 MiB) hold them below 3/4 load. */
const MAX_KEYS = 1_500_000;

/** Highest batch number a mark holds (15 bits, beside the direct flag, in a slot's second word). */
const MAX_BATCH = 0x7fff;

/** The high 16 bits of a slot's second word: the rest of the key's hash. */
const HASH_BITS = 0xffff0000;

/** What the set knows of a key. */
export type KeyMark = { batch: number; direct: boolean } | undefined;

export class WrittenKeys {
  /**
   * Two words a slot: the key's first hash (never 0; 0 is an empty slot), then the high 16 bits of its
   * second hash over its mark (`batch << 1 | direct`) in the low 16.
   */
  #slots = new Uint32Array(2 * 1024);
  #size = 0;
  #full = false;

  /** True once the set holds `MAX_KEYS` keys or saw batch `MAX_BATCH`: every key is then reported seen. */
  get full(): boolean {
    return this.#full;
  }

  /** The mark of `key`: undefined when no key with its hash was added; `{ batch: -1 }` once `full`. */
  get(key: string): KeyMark {
    if (this.#full) return { batch: -1, direct: false };
    hash(key);
    const a = hashA;
    const high = hashB & HASH_BITS;
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const ha = slots[2 * i]!;
      if (ha === 0) return undefined;
      const word = slots[2 * i + 1]!;
      if (ha === a && (word & HASH_BITS) === high) return { batch: (word & 0xffff) >> 1, direct: (word & 1) === 1 };
    }
  }

  /** Marks `key` as written by `batch` (a non-negative batch number), direct or staged. */
  set(key: string, batch: number, direct: boolean): void {
    if (this.#full) return;
    if (this.#size >= MAX_KEYS || batch > MAX_BATCH) {
      this.#full = true;
      this.#slots = new Uint32Array(0);
      return;
    }
    if (4 * (this.#size + 1) > 3 * (this.#slots.length >> 1)) this.#grow();
    hash(key);
    this.#put(hashA, (hashB & HASH_BITS) | (batch << 1) | (direct ? 1 : 0));
  }

  #put(a: number, word: number): void {
    const slots = this.#slots;
    const mask = (slots.length >> 1) - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const ha = slots[2 * i]!;
      if (ha === 0 || (ha === a && (slots[2 * i + 1]! & HASH_BITS) === (word & HASH_BITS))) {
        if (ha === 0) this.#size++;
        slots[2 * i] = a;
        slots[2 * i + 1] = word;
        return;
      }
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.#put(old[i]!, old[i + 1]!);
  }
}

/** The two hashes of the last `hash` call (module variables: no array per key). */
let hashA = 0;
let hashB = 0;

/** Two independent 32-bit FNV-1a style hashes of `key`'s UTF-16 code units, into `hashA` (never 0) and `hashB`. */
function hash(key: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  hashA = (a | 1) >>> 0;
  hashB = b >>> 0;
}
