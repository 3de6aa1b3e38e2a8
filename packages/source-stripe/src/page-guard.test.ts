import { describe, expect, it } from 'vitest';
import { PageGuard, PagingError, describeRequest } from './page-guard.ts';

describe('PageGuard', () => {
  it('refuses to ask for the same page twice, naming the stream and the request', () => {
    const guard = new PageGuard('customers', 0);
    guard.ask('a', '/v1/customers', { limit: 10 });
    guard.ask('b', '/v1/customers', { limit: 10, starting_after: 'cus_1' });
    expect(() => guard.ask('b', '/v1/customers', { limit: 10, starting_after: 'cus_1' })).toThrow(PagingError);
    const error = (() => {
      try {
        guard.ask('a', '/v1/customers', { limit: 10 });
        return undefined;
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toMatchObject({ failureType: 'system_error', message: expect.stringMatching(/^stream customers: the read would ask for the same page twice \(GET \/v1\/customers\?limit=10\)/) });
  });

  it('allows the objects splits and restarts explain, and no more', () => {
    const guard = new PageGuard('charges', 5);
    guard.count(10, 10, '/v1/charges', {});
    guard.count(10, 5, '/v1/charges', {});
    expect(() => guard.count(1, 0, '/v1/charges', { limit: 10 })).toThrow(/sent 6 objects that the read had already emitted or had not asked for, more than the 5 /);
    const more = new PageGuard('charges', 5);
    more.allow(10);
    more.count(15, 0, '/v1/charges', {});
    expect(() => more.count(1, 0, '/v1/charges', {})).toThrow(PagingError);
  });

  it('describes a request as a person reads it', () => {
    expect(describeRequest('/v1/customers', { limit: 10, 'created[lte]': 5, starting_after: undefined })).toBe('GET /v1/customers?limit=10&created[lte]=5');
  });
});
