import { expect, it } from 'vitest';
import { createRedactor, REDACTED, secretValues } from './secrets.ts';

const spec = {
  type: 'object',
  properties: {
    host: { type: 'string' },
    api_key: { type: 'string', airbyte_secret: true },
    credentials: {
      oneOf: [
        { type: 'object', properties: { method: { const: 'oauth' }, refresh_token: { type: 'string', airbyte_secret: true } } },
        { type: 'object', properties: { method: { const: 'password' }, password: { type: 'string', airbyte_secret: true } } },
      ],
    },
    tunnels: { type: 'array', items: { type: 'object', properties: { private_key: { type: 'string', airbyte_secret: true } } } },
    whole: { type: 'object', airbyte_secret: true },
  },
};

it('collects every value the spec marks airbyte_secret, nested, in oneOf branches and arrays', () => {
  const config = {
    host: 'db.example.com',
    api_key: 'sk_1',
    credentials: { method: 'password', password: 'hunter22' },
    tunnels: [{ private_key: 'KEY-A' }, { private_key: 'KEY-B' }],
    whole: { user: 'u-1', pin: 1234 },
  };
  expect([...secretValues(spec, config)].sort()).toEqual(['1234', 'KEY-A', 'KEY-B', 'hunter22', 'sk_1', 'u-1']);
});

it('masks a value as written, JSON-escaped and percent-encoded, longest first', () => {
  const redact = createRedactor(['p@ss"word', 'p@ss']);
  expect(redact('a p@ss"word b')).toBe(`a ${REDACTED} b`);
  expect(redact(JSON.stringify({ x: 'p@ss"word' }))).toBe(`{"x":"${REDACTED}"}`);
  expect(redact('postgres://u:p%40ss%22word@h/db')).toBe(`postgres://u:${REDACTED}@h/db`);
  expect(createRedactor([])('unchanged')).toBe('unchanged');
});
