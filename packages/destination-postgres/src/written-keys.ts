/**
 * The keys a write has put straight into a table it found empty (staging.ts, direct rows): a set of
 * 64-bit hashes of key identities, each marked with the batch that wrote it and how. Two keys may
 * share a hash; the set then answers "seen" for a key it never held, which only sends that record
 * through the staging table and the merge (always correct), never the other way round. 12 bytes per
 * slot, at most 3/4 of the slots used: 24 MiB for 1.5 million keys, the most it holds (`MAX_KEYS`);
 * past them it answers "seen" for every key, and the write stops writing direct rows.
 */

/** Keys held at most; 2^21 slots (24 MiB) hold them below 3/4 load. */
const MAX_KEYS = 1_500_000;

/** What the set knows of a key. */
export type KeyMark = { batch: number; direct: boolean } | undefined;

export class WrittenKeys {
  #hashes = new Uint32Array(2 * 1024);
  #marks = new Int32Array(1024);
  #size = 0;
  #full = false;

  /** True once the set holds `MAX_KEYS` keys: every key is then reported seen. */
  get full(): boolean {
    return this.#full;
  }

  /** The mark of `key`: undefined when no key with its hash was added; `{ batch: -1 }` once `full`. */
  get(key: string): KeyMark {
    if (this.#full) return { batch: -1, direct: false };
    const [a, b] = hash(key);
    const mask = this.#marks.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const ha = this.#hashes[2 * i]!;
      if (ha === 0) return undefined;
      if (ha === a && this.#hashes[2 * i + 1] === b) {
        const mark = this.#marks[i]!;
        return { batch: mark >> 1, direct: (mark & 1) === 1 };
      }
    }
  }

  /** Marks `key` as written by `batch` (a non-negative batch number), direct or staged. */
  set(key: string, batch: number, direct: boolean): void {
    if (this.#full) return;
    if (this.#size >= MAX_KEYS) {
      this.#full = true;
      this.#hashes = new Uint32Array(0);
      this.#marks = new Int32Array(0);
      return;
    }
    if (4 * (this.#size + 1) > 3 * this.#marks.length) this.#grow();
    const [a, b] = hash(key);
    this.#put(a, b, (batch << 1) | (direct ? 1 : 0));
  }

  #put(a: number, b: number, mark: number): void {
    const mask = this.#marks.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const ha = this.#hashes[2 * i]!;
      if (ha === 0 || (ha === a && this.#hashes[2 * i + 1] === b)) {
        if (ha === 0) this.#size++;
        this.#hashes[2 * i] = a;
        this.#hashes[2 * i + 1] = b;
        this.#marks[i] = mark;
        return;
      }
    }
  }

  #grow(): void {
    const hashes = this.#hashes;
    const marks = this.#marks;
    this.#hashes = new Uint32Array(hashes.length * 2);
    this.#marks = new Int32Array(marks.length * 2);
    this.#size = 0;
    for (let i = 0; i < marks.length; i++) if (hashes[2 * i] !== 0) this.#put(hashes[2 * i]!, hashes[2 * i + 1]!, marks[i]!);
  }
}

/** Two independent 32-bit FNV-1a style hashes of `key`'s UTF-16 code units; the first is never 0. */
function hash(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  return [(a | 1) >>> 0, b >>> 0];
}
