/**
 * The rows of one stream waiting for their COPY, kept as the UTF-8 bytes the COPY sends (issue 13):
 * each row is written into one Buffer as it arrives, so no row string outlives its record. Holding row
 * strings until a chunk was full kept them alive across the young generation's collections (copied,
 * then promoted), and joining them and encoding the result cost a copy of every byte twice more.
 *
 * A chunk, once taken, belongs to the COPY's socket until written: the next rows go to another Buffer.
 * Once the chunk is handed to the COPY (`recycle`) and every byte written to the connection has left
 * it (`released()`), its Buffer takes the next rows: chunks of 1 MiB allocated for each write and freed
 * by the collector kept about ten of them alive at a time, and their pages stayed with the allocator.
 */

/** Spare bytes past the chunk size, so that a row rarely makes a chunk grow (COPY rows are ~1 KB). */
const SLACK_BYTES = 64 * 1024;

export class CopyBuffer {
  readonly #chunkBytes: number;
  #buffer: Buffer | undefined;
  #length = 0;
  #rows = 0;
  /** The Buffer of the last chunk handed to the COPY, to take the next rows once `#released()`. */
  #spare: Buffer | undefined;
  readonly #released: () => boolean;

  /**
   * `chunkBytes`: the size a chunk is meant to reach before it is taken (`full`), in bytes.
   * `released`: true when nothing written to the COPY's connection is still waiting to be sent, so a
   * recycled chunk's bytes are no longer read by anyone; default never (no reuse).
   */
  constructor(chunkBytes: number, released: () => boolean = () => false) {
    this.#chunkBytes = chunkBytes;
    this.#released = released;
  }

  /** Bytes written since the last `take`. */
  get bytes(): number {
    return this.#length;
  }

  /** Rows ended (`endRow`) since the last `take`. */
  get rows(): number {
    return this.#rows;
  }

  /** True once `chunkBytes` bytes are waiting. */
  get full(): boolean {
    return this.#length >= this.#chunkBytes;
  }

  /** Appends `text` as UTF-8 (COPY text format; escaping is the caller's). */
  write(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: with that much room, nothing is cut off.
    const most = 3 * text.length;
    const buffer = this.#buffer !== undefined && this.#buffer.length - this.#length >= most ? this.#buffer : this.#grow(most);
    this.#length += buffer.write(text, this.#length);
  }

  /** Ends a row: its newline. */
  endRow(): void {
    const buffer = this.#buffer !== undefined && this.#buffer.length > this.#length ? this.#buffer : this.#grow(1);
    buffer[this.#length++] = 0x0a;
    this.#rows++;
  }

  /** The bytes written since the last `take` (undefined when none), and a fresh chunk for the next rows. */
  take(): Buffer | undefined {
    if (this.#length === 0) return undefined;
    const chunk = this.#buffer!.subarray(0, this.#length);
    this.#buffer = undefined;
    this.#length = 0;
    this.#rows = 0;
    return chunk;
  }

  /**
   * Offers the Buffer behind `chunk` (from `take`, already written to the COPY) for the next rows; it
   * is used only once `released()` says the connection has sent everything written to it.
   */
  recycle(chunk: Buffer): void {
    this.#spare = Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength);
  }

  /** A buffer with room for `extra` more bytes, holding the bytes written so far. */
  #grow(extra: number): Buffer {
    const old = this.#buffer;
    const size = Math.max(this.#chunkBytes + SLACK_BYTES, 2 * (old?.length ?? 0), this.#length + extra);
    const spare = this.#spare;
    if (old === undefined && spare !== undefined && spare.length >= size && this.#released()) {
      this.#spare = undefined;
      this.#buffer = spare;
      return spare;
    }
    const buffer = Buffer.allocUnsafeSlow(size);
    if (old !== undefined) old.copy(buffer, 0, 0, this.#length);
    this.#buffer = buffer;
    return buffer;
  }
}
