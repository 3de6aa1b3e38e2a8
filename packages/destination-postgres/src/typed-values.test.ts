/**
 * The in-process typing rule against the rule's own SQL: every value, in every column type, must give
 * exactly what `castSql` computes from the record's jsonb on the server (same value, same NULL).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { from as copyFrom } from 'pg-copy-streams';
import { castSql, type ColumnType } from './columns.ts';
import { connect } from './connection.ts';
import { pathLiteral } from './identifiers.ts';
import { copyField, copyJson, numericText, textOf, timestampText, typedField } from './typed-values.ts';
import { useTestSchema } from './test-support.ts';

const db = useTestSchema();

const TYPES: ColumnType[] = ['text', 'bigint', 'numeric', 'boolean', 'jsonb', 'timestamptz'];

/** Values of the property `v`; `undefined` means the property is missing. */
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'plain',
  'back\\slash, tab\t, newline\n, return\r, quote", \\N, \\.',
  '\\',
  'é, 漢字, 🙂, \u007f, \u001f control',
  '123',
  'true',
  0,
  -0,
  12,
  -12,
  1.5,
  0.1,
  1e21,
  -2.5e30,
  1.5e-7,
  1e-7,
  123_456_789_012_345_678,
  -123_456_789_012_345_678,
  1_234_567_890_123_456_789,
  2 ** 53 + 2,
  1e300,
  5e-324,
  true,
  false,
  1_700_000_000,
  1_700_000_000.5,
  1_700_000_000.0000005,
  1_700_000_000.0000015,
  -1e10,
  -1_234.5678905,
  99_999_999_999,
  99_999_999_999.99998,
  -99_999_999_999.5,
  1e11,
  -1e11,
  4e9,
  {},
  [],
  { b: 1, a: [1, 'x', null, true], ccc: { z: 1e21, yy: '\t' }, é: 1, z: 2, aa: 1.5e-7 },
  [{ k: 'v' }, [], {}, 2.0, -0],
];

describe('typedField', () => {
  it('gives the value castSql computes, for every type and value (misfits NULL)', async () => {
    const client = await connect(db.url);
    try {
      for (const type of TYPES) {
        await client.query(`create temporary table cases_${type} (i int, data jsonb, v ${type})`);
        const rows = VALUES.map((value, i) => {
          const data = value === undefined ? {} : { v: value };
          return `${i}\t${copyJson(JSON.stringify(data))}\t${typedField(type, value)}\n`;
        });
        await pipeline(Readable.from([rows.join('')]), client.query(copyFrom(`copy cases_${type} (i, data, v) from stdin`)));
        const expected = castSql({ column: 'v', property: 'v', type }, 'data');
        const { rows: wrong } = await client.query(
          `select i, data, v::text as got, (${expected})::text as expected from cases_${type} where v is distinct from ${expected} order by i`,
        );
        expect({ type, wrong }).toEqual({ type, wrong: [] });
        // Not all NULL by accident: every type has values that fit.
        const { rows: filled } = await client.query(`select count(v)::int as n from cases_${type}`);
        expect(filled[0].n).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await client.end();
    }
  });

  it('gives the key text #>> computes, at a nested path', async () => {
    const client = await connect(db.url);
    try {
      const keys = VALUES.filter((v) => v !== undefined && v !== null);
      await client.query('create temporary table key_cases (i int, data jsonb, v text)');
      const rows = keys.map((value, i) => `${i}\t${copyJson(JSON.stringify({ a: { b: value } }))}\t${copyField(textOf(value)!)}\n`);
      await pipeline(Readable.from([rows.join('')]), client.query(copyFrom('copy key_cases (i, data, v) from stdin')));
      const { rows: wrong } = await client.query(`select i, v, data #>> ${pathLiteral(['a', 'b'])} as expected from key_cases where v is distinct from data #>> ${pathLiteral(['a', 'b'])}`);
      expect(wrong).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe('COPY fields', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(copyField('a\\b\tc\nd\re "é"')).toBe('a\\\\b\\tc\\nd\\re "é"');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyJson(JSON.stringify({ s: 'a\\b\n' }))).toBe('{"s":"a\\\\\\\\b\\\\n"}');
  });

  it('prints numbers as jsonb does and timestamps as to_timestamp does', () => {
    expect([1e21, -2.5e30, 1.5e-7, 12, -0].map(numericText)).toEqual(['1000000000000000000000', '-2500000000000000000000000000000', '0.00000015', '12', '0']);
    expect(timestampText(1_700_000_000)).toBe('2023-11-14 22:13:20+00');
    expect(timestampText(-62_167_219_200)).toBe('0001-01-01 00:00:00+00 BC');
    expect(timestampText(0.0000005)).toBe('1970-01-01 00:00:00+00');
  });
});
