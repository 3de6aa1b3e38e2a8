import { describe, expect, it } from 'vitest';
import { keepMaskedSecrets, maskConfig } from './config-mask.ts';
import { HttpProblem } from './problem.ts';
import { SECRET_MASK } from './schemas.ts';

const spec = {
  type: 'object',
  properties: {
    api_key: { type: 'string', airbyte_secret: true },
    base_url: { type: 'string' },
    credentials: {
      oneOf: [
        { type: 'object', properties: { kind: { const: 'oauth' }, refresh_token: { type: 'string', airbyte_secret: true } } },
        { type: 'object', properties: { kind: { const: 'key' }, private_key: { type: 'string', airbyte_secret: true } } },
      ],
    },
    port: { type: 'integer' },
  },
};

describe('maskConfig', () => {
  it('masks the fields the spec marks airbyte_secret, at any depth and in oneOf branches, and URL passwords elsewhere', () => {
    const config = { api_key: 'sk_live_1', base_url: 'https://user:pw123@stripe.test', credentials: { kind: 'oauth', refresh_token: 'rt_2' }, port: 5432 };
    expect(maskConfig(spec, config)).toEqual({
      api_key: SECRET_MASK,
      base_url: 'https://user:[REDACTED]@stripe.test',
      credentials: { kind: 'oauth', refresh_token: SECRET_MASK },
      port: 5432,
    });
  });

  it('masks every string when the spec is unknown (fail closed)', () => {
    expect(maskConfig(undefined, { a: 'x', b: { c: 'y' }, n: 3 })).toEqual({ a: SECRET_MASK, b: { c: SECRET_MASK }, n: 3 });
  });
});

describe('keepMaskedSecrets', () => {
  it('puts the stored value back where the mask was sent, and takes new values as given', () => {
    const stored = { api_key: 'sk_old', credentials: { refresh_token: 'rt_old' }, base_url: 'a' };
    const incoming = { api_key: SECRET_MASK, credentials: { refresh_token: 'rt_new' }, base_url: 'b' };
    expect(keepMaskedSecrets(incoming, stored, '/source/config')).toEqual({ api_key: 'sk_old', credentials: { refresh_token: 'rt_new' }, base_url: 'b' });
  });

  it('refuses the mask where nothing is stored, naming the field', () => {
    let thrown: unknown;
    try {
      keepMaskedSecrets({ webhook_secret: SECRET_MASK }, {}, '/source/config');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpProblem);
    expect((thrown as HttpProblem).status).toBe(400);
    expect((thrown as HttpProblem).errors).toEqual([{ path: '/source/config/webhook_secret', in: 'body', message: 'mask with no stored secret' }]);
  });
});
