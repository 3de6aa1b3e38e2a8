import { describe, expect, it } from 'vitest';
import { columnName, columnTypeOf, planColumns, widen } from './columns.ts';

describe('columnTypeOf', () => {
  it('maps JSON schema types, nullable forms and unix-time', () => {
    expect(columnTypeOf({ type: 'string' })).toBe('text');
    expect(columnTypeOf({ type: ['integer', 'null'] })).toBe('bigint');
    expect(columnTypeOf({ type: 'number', nullable: true })).toBe('numeric');
    expect(columnTypeOf({ type: 'boolean' })).toBe('boolean');
    expect(columnTypeOf({ type: 'object', properties: {} })).toBe('jsonb');
    expect(columnTypeOf({ type: 'array', items: {} })).toBe('jsonb');
    expect(columnTypeOf({ type: 'integer', format: 'unix-time' })).toBe('timestamptz');
    expect(columnTypeOf({ anyOf: [{ type: 'integer', format: 'unix-time' }, { type: 'null' }] })).toBe('timestamptz');
    expect(columnTypeOf({ anyOf: [{ maxLength: 5000, type: 'string' }, { $ref: '#/components/schemas/customer' }] })).toBe('jsonb');
    expect(columnTypeOf({ type: ['integer', 'number'] })).toBe('numeric');
    expect(columnTypeOf({ $ref: '#/x' })).toBe('jsonb');
    expect(columnTypeOf({})).toBe('jsonb');
    expect(columnTypeOf('nonsense')).toBe('jsonb');
  });

  it('widens a changed type so that no value is lost', () => {
    expect(widen('bigint', 'bigint')).toBe('bigint');
    expect(widen('bigint', 'numeric')).toBe('numeric');
    expect(widen('numeric', 'bigint')).toBe('numeric');
    expect(widen('bigint', 'text')).toBe('jsonb');
    expect(widen('jsonb', 'boolean')).toBe('jsonb');
  });
});

describe('columns', () => {
  it('shortens names over 63 bytes to distinct, stable names', () => {
    const a = `${'é'.repeat(40)}_a`;
    const b = `${'é'.repeat(40)}_b`;
    expect(Buffer.byteLength(columnName(a))).toBeLessThanOrEqual(63);
    expect(columnName(a)).not.toBe(columnName(b));
    expect(columnName(a)).toBe(columnName(a));
    expect(columnName('short')).toBe('short');
  });

  it('skips the key property and renames clashes with reserved columns', () => {
    const columns = planColumns(
      { properties: { id: { type: 'string' }, _raw_data: { type: 'string' }, amount: { type: 'integer' } } },
      ['id', '_raw_data', '_synced_at', '_deleted'],
      ['id'],
    );
    expect(columns).toEqual([
      { column: '_raw_data_2', property: '_raw_data', type: 'text' },
      { column: 'amount', property: 'amount', type: 'bigint' },
    ]);
  });
});
