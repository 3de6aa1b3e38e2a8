/**
 * A stream's records as COPY text-format rows of typed values (typed-values.ts), computed in this
 * process so that Postgres only parses them: the key columns (`#>>` of each key path), the typed
 * columns in table order, then `_raw_data` (the record's JSON).
 */
import { ConfigError, valueAt } from '@sync/connector-kit';
import { copyField, copyJson, textOf, typedField } from './typed-values.ts';
import type { StreamTable } from './tables.ts';
import type { ColumnType } from './columns.ts';

/**
 * One record, encoded: its key fields, its typed fields and `_raw_data`, kept apart so that the row is
 * written out without joining them into one more string (copy-buffer.ts).
 */
export interface EncodedRow {
  /** The key columns' COPY fields joined by tabs ('' without a primary key); also the key's identity. */
  key: string;
  /** The typed columns' fields in table order, each followed by a tab ('' without typed columns). */
  typed: string;
  /** `_raw_data`: the record's JSON as a COPY field. */
  raw: string;
}

/** Encodes the records of one stream (`table`'s key paths and typed columns, as they are now). */
export class RowEncoder {
  readonly #stream: string;
  readonly #keyPaths: readonly (readonly string[])[];
  readonly #properties: string[];
  readonly #types: ColumnType[];

  constructor(table: StreamTable) {
    this.#stream = table.stream;
    this.#keyPaths = table.primaryKey.map((k) => k.path);
    this.#properties = table.columns.map((c) => c.property);
    this.#types = table.columns.map((c) => c.type);
  }

  /**
   * The row of `data`, whose JSON text (`JSON.stringify(data)`) is `json`.
   *
   * @throws ConfigError when `data` has no value (undefined or null) for a primary key field.
   */
  encode(data: Record<string, unknown>, json: string): EncodedRow {
    let key = '';
    for (let i = 0; i < this.#keyPaths.length; i++) {
      const path = this.#keyPaths[i]!;
      const value = valueAt(data, path);
      if (value === undefined || value === null) {
        throw new ConfigError(
          `record for stream '${this.#stream}' has no value for its primary key ${JSON.stringify(path)}; fix primary_key in the configured catalog`,
          { stream: this.#stream },
        );
      }
      const text = textOf(value) ?? '';
      key += i === 0 ? copyField(text) : `\t${copyField(text)}`;
    }
    let typed = '';
    for (let i = 0; i < this.#types.length; i++) typed += `${typedField(this.#types[i]!, data[this.#properties[i]!])}\t`;
    return { key, typed, raw: copyJson(json) };
  }
}
