import { expect, it } from 'vitest';
import { secretValues, stringValues, urlSecrets, urlSecretsIn } from './secret-values.ts';

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

it('without a spec, every string of the config is a secret (fail closed), numbers and booleans are not', () => {
  expect([...stringValues({ a: 'x1', b: { c: ['y2', 3, true] }, d: '' })].sort()).toEqual(['x1', 'y2']);
});

it('finds the password of a URL on its own, as written and decoded', () => {
  expect(urlSecrets('postgres://app:s%40fe-pw@db.example.com:5432/x?sslmode=require').sort()).toEqual(['s%40fe-pw', 's@fe-pw']);
});

it('finds credential query and fragment parameters and token-shaped user names, not account names', () => {
  const found = urlSecrets('see https://api.example.com/v1?access_token=AT-123&page=2 and https://x.example/#id_token=IT-9&state=s1');
  expect(found.sort()).toEqual(['AT-123', 'IT-9']);
  expect(urlSecrets('https://ghp_abcdefghijklmnop1234@github.com/o/r.git')).toEqual(['ghp_abcdefghijklmnop1234']);
  expect(urlSecrets('postgres://postgres@127.0.0.1:5432/postgres')).toEqual([]);
  expect(urlSecrets('not a url: a://')).toEqual([]);
});

it('finds URL credentials in any string of a config, secret or not', () => {
  expect([...urlSecretsIn({ schema: 'public', nested: { url: 'mysql://u:pw-77@h/db' } })]).toEqual(['pw-77']);
});
