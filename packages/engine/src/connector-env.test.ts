import { expect, it } from 'vitest';
import { connectorEnvironment } from './connector-env.ts';

const env = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  TMPDIR: '/tmp',
  DATABASE_URL: 'postgres://u:pw@db/x',
  STRIPE_API_KEY: 'sk_test_1',
  AWS_SECRET_ACCESS_KEY: 'aws-1',
  MY_TOKEN: 'mine',
};

it('passes only the allow-list: never the state store URL, API keys or cloud credentials', () => {
  expect(connectorEnvironment(env)).toEqual({ PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', TMPDIR: '/tmp' });
});

it('adds the variables the user passes, when set', () => {
  const picked = connectorEnvironment(env, ['MY_TOKEN', 'NOT_SET']);
  expect(picked.MY_TOKEN).toBe('mine');
  expect('NOT_SET' in picked).toBe(false);
  expect(picked.DATABASE_URL).toBeUndefined();
});

it('refuses a name that is no variable name', () => {
  expect(() => connectorEnvironment(env, ['A B'])).toThrow(/cannot pass "A B" to the connectors/);
});
