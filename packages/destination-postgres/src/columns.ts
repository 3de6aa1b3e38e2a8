/**
 * Typed columns: one per top-level property of a stream's JSON schema, next to the raw record.
 *
 * Typing rule (JSON Schema → Postgres):
 *   string → text, integer → bigint, number → numeric, boolean → boolean, object or array → jsonb,
 *   integer or number with `format: unix-time` (Stripe's OpenAPI spec) → timestamptz.
 * `null` in a type list, `nullable: true` and null branches of `anyOf`/`oneOf` only make the column
 * nullable (every typed column is). A union of integer and number is numeric; any other union, a
 * `$ref`, or a schema without a type is jsonb.
 *
 * A value that does not fit its column (a string in a bigint column, an integer past 2^63) is stored
 * as NULL in the typed column; the record is always whole in `_raw_data`, so nothing is lost.
 */
import { createHash } from 'node:crypto';
import { MAX_IDENTIFIER_BYTES, quoteIdent, quoteLiteral } from './identifiers.ts';

export type ColumnType = 'text' | 'bigint' | 'numeric' | 'boolean' | 'jsonb' | 'timestamptz';

/** A typed column: the value of one top-level property of the record (typed-values.ts computes it; castSql says it in SQL). */
export interface TypedColumn {
  /** Column name: the property name, shortened when longer than 63 bytes (see `columnName`). */
  column: string;
  /** Top-level property of the record. */
  property: string;
  type: ColumnType;
}

/** At most this many typed columns per table (Postgres allows 1600 columns); the rest stay in `_raw_data`. */
export const MAX_TYPED_COLUMNS = 1000;

/** The column type of one property schema; see the typing rule above. */
export function columnTypeOf(schema: unknown): ColumnType {
  const types = branchTypes(schema, 0);
  if (types.size === 0) return 'jsonb';
  if (types.size === 1) return [...types][0]!;
  if (types.size === 2 && types.has('bigint') && types.has('numeric')) return 'numeric';
  return 'jsonb';
}

/** The non-null column types a schema can take; `jsonb` for shapes this rule does not know. */
function branchTypes(schema: unknown, depth: number): Set<ColumnType> {
  const result = new Set<ColumnType>();
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema) || depth > 8) {
    result.add('jsonb');
    return result;
  }
  const s = schema as Record<string, unknown>;
  const branches = [s.anyOf, s.oneOf, s.allOf].find(Array.isArray) as unknown[] | undefined;
  if (branches && s.type === undefined) {
    for (const branch of branches) for (const t of branchTypes(branch, depth + 1)) result.add(t);
    return result;
  }
  const declared = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  const unixTime = s.format === 'unix-time';
  for (const t of declared) {
    if (t === 'null') continue;
    if (t === 'string') result.add('text');
    else if (t === 'integer') result.add(unixTime ? 'timestamptz' : 'bigint');
    else if (t === 'number') result.add(unixTime ? 'timestamptz' : 'numeric');
    else if (t === 'boolean') result.add('boolean');
    else result.add('jsonb');
  }
  // No type at all (`{}`, a `$ref`, only `nullable`): unknown shape.
  if (declared.length === 0) result.add('jsonb');
  return result;
}

/**
 * The column type able to hold both an existing column's values and a new schema's (schema
 * evolution): the same type stays; bigint and numeric widen to numeric; any other change becomes
 * jsonb, which holds every value (old values are converted with `to_jsonb`).
 */
export function widen(existing: ColumnType, planned: ColumnType): ColumnType {
  if (existing === planned) return existing;
  const pair = new Set([existing, planned]);
  if (pair.size === 2 && pair.has('bigint') && pair.has('numeric')) return 'numeric';
  return 'jsonb';
}

/** `format_type()` output of a column type this destination creates, back to its ColumnType. */
export function columnTypeOfSql(sqlType: string): ColumnType | undefined {
  const map: Record<string, ColumnType> = {
    text: 'text',
    bigint: 'bigint',
    numeric: 'numeric',
    boolean: 'boolean',
    jsonb: 'jsonb',
    'timestamp with time zone': 'timestamptz',
  };
  return map[sqlType];
}

/**
 * A column name for `name`: unchanged when it fits in 63 bytes, else cut to 54 bytes (on a character
 * boundary) plus `_` and 8 hex characters of its sha1, so that two long names sharing a prefix stay
 * distinct and the same name always maps to the same column.
 */
export function columnName(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  let prefix = '';
  for (const char of name) {
    if (Buffer.byteLength(prefix + char) > MAX_IDENTIFIER_BYTES - 9) break;
    prefix += char;
  }
  return `${prefix}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
}

/**
 * The typed columns of a stream's JSON schema, in property order. Properties whose column name is
 * taken (`reserved`: key and metadata columns) get a `_2`, `_3`… suffix, except a property that is
 * itself the whole primary key path (`skip`), whose value the key column already holds.
 */
export function planColumns(jsonSchema: Record<string, unknown>, reserved: readonly string[], skip: readonly string[]): TypedColumn[] {
  const properties = jsonSchema.properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return [];
  const taken = new Set(reserved);
  const columns: TypedColumn[] = [];
  for (const [property, schema] of Object.entries(properties as Record<string, unknown>)) {
    if (skip.includes(property) || columns.length >= MAX_TYPED_COLUMNS) continue;
    let column = columnName(property);
    for (let n = 2; taken.has(column); n++) column = columnName(`${property}_${n}`);
    taken.add(column);
    columns.push({ column, property, type: columnTypeOf(schema) });
  }
  return columns;
}

/**
 * SQL computing `column` from the jsonb record `data`: the typing rule's reference. Never fails: a
 * value of another JSON type, or out of range, gives NULL (the record stays whole in `_raw_data`).
 * The load path computes the same values in the destination process (typed-values.ts, whose test
 * compares the two value by value).
 */
export function castSql(column: TypedColumn, data = 'data'): string {
  const value = `${data} -> ${quoteLiteral(column.property)}`;
  const text = `${data} ->> ${quoteLiteral(column.property)}`;
  switch (column.type) {
    case 'text':
      return text;
    case 'jsonb':
      return `nullif(${value}, 'null'::jsonb)`;
    case 'boolean':
      return `case when jsonb_typeof(${value}) = 'boolean' then (${text})::boolean end`;
    case 'numeric':
      return `case when jsonb_typeof(${value}) = 'number' then (${text})::numeric end`;
    case 'bigint':
      return `case when jsonb_typeof(${value}) = 'number' and (${text}) ~ '^-?[0-9]{1,18}$' then (${text})::bigint end`;
    case 'timestamptz':
      // to_timestamp fails past year 294276; 1e11 s is year 5138, far beyond any real timestamp.
      return `case when jsonb_typeof(${value}) = 'number' and abs((${text})::numeric) < 1e11 then to_timestamp((${text})::double precision) end`;
  }
}

