/**
 * The keys a write has put straight into a table it found empty (staging.ts, direct rows): a set of
 * 47-bit hashes of key identities, each marked with the batch that wrote it and how. Two keys may
 * share a hash; the set then answers "seen" for a key it never held, which only sends that record
 * through the staging table and the merge (always correct), never the other way round. 8 bytes per
 * slot, at most 3/4 of the slots used: at most 16 MiB for 1.5 million keys, the most it holds (`MAX_KEYS`);
 * past them, or past batch `MAX_BATCH`, it answers "seen" for every key, and the write stops writing
 * direct rows. A table grows by doubling up to `SEGMENT_SLOTS` (8 MiB), then the set adds a new table
 * that grows the same way (a lookup probes each): it never copies a full 8 MiB table into one twice
 * its size (at 1 million keys: 12 MiB, not 24 and 36 during the copy).
 */

/** Keys held at most; 2^21 slots (16 MiB) hold them below 3/4 load. */
const MAX_KEYS = 1_500_000;

/** Highest batch number a mark holds (15 bits, beside the direct flag, in a slot's second word). */
const MAX_BATCH = 0x7fff;

/** Slots of a new table. */
const FIRST_SLOTS = 1024;

/** Slots of the largest table (8 MiB); past its 3/4 the set adds another instead of doubling. */
const SEGMENT_SLOTS = 1 << 20;

/** The high 16 bits of a slot's second word: the rest of the key's hash. */
const HASH_BITS = 0xffff0000;

/** What the set knows of a key. */
export type KeyMark = { batch: number; direct: boolean } | undefined;

export class WrittenKeys {
  /**
   * The tables, the last one taking new keys; each two words a slot: the key's first hash (never 0; 0
   * is an empty slot), then the high 16 bits of its second hash over its mark (`batch << 1 | direct`)
   * in the low 16.
   */
  #tables: Uint32Array[] = [new Uint32Array(2 * FIRST_SLOTS)];
  /** Keys in the last table. */
  #lastSize = 0;
  /** Keys in all tables. */
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
    const high = hashB & HASH_BITS;
    for (const table of this.#tables) {
      const i = slotOf(table, hashA, high);
      if (table[2 * i] !== 0) {
        const word = table[2 * i + 1]!;
        return { batch: (word & 0xffff) >> 1, direct: (word & 1) === 1 };
      }
    }
    return undefined;
  }

  /** Marks `key` as written by `batch` (a non-negative batch number), direct or staged. */
  set(key: string, batch: number, direct: boolean): void {
    if (this.#full) return;
    if (batch > MAX_BATCH) return this.#fill();
    hash(key);
    const high = hashB & HASH_BITS;
    const word = high | (batch << 1) | (direct ? 1 : 0);
    // A key already held takes its new mark where it is.
    for (const table of this.#tables) {
      const i = slotOf(table, hashA, high);
      if (table[2 * i] !== 0) {
        table[2 * i + 1] = word;
        return;
      }
    }
    if (this.#size >= MAX_KEYS) return this.#fill();
    if (4 * (this.#lastSize + 1) > 3 * (this.#tables.at(-1)!.length >> 1)) this.#grow();
    const last = this.#tables.at(-1)!;
    const i = slotOf(last, hashA, high);
    last[2 * i] = hashA;
    last[2 * i + 1] = word;
    this.#lastSize++;
    this.#size++;
  }

  #fill(): void {
    this.#full = true;
    this.#tables = [];
  }

  /** Doubles the last table (a copy) while it is smaller than `SEGMENT_SLOTS`, else adds a table. */
  #grow(): void {
    const last = this.#tables.at(-1)!;
    const slots = last.length >> 1;
    if (slots >= SEGMENT_SLOTS) {
      // A new table starts small and doubles like the first: the keys past a full table are often few.
      this.#tables.push(new Uint32Array(2 * FIRST_SLOTS));
      this.#lastSize = 0;
      return;
    }
    const table = new Uint32Array(4 * slots);
    for (let j = 0; j < last.length; j += 2) {
      if (last[j] === 0) continue;
      const i = slotOf(table, last[j]!, last[j + 1]! & HASH_BITS);
      table[2 * i] = last[j]!;
      table[2 * i + 1] = last[j + 1]!;
    }
    this.#tables[this.#tables.length - 1] = table;
  }
}

/**
 * The slot of `table` holding the key with hashes `a` and `high` (see WrittenKeys), or the empty slot
 * where it would go (linear probing).
 */
function slotOf(table: Uint32Array, a: number, high: number): number {
  const mask = (table.length >> 1) - 1;
  for (let i = a & mask; ; i = (i + 1) & mask) {
    const ha = table[2 * i]!;
    if (ha === 0 || (ha === a && (table[2 * i + 1]! & HASH_BITS) === high)) return i;
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
