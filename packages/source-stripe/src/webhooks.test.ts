import { describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@sync/protocol';
import { createStripeSource } from './source.ts';
import { catalogOf, recordsOf, run, statesOf } from './test-support.ts';
import { WebhookSignatureError, signPayload, verifySignature } from './webhooks.ts';

const SECRET = 'whsec_test_secret';
const NOW = 1_800_000_000;

const event = (type: string, object: Record<string, unknown>, id = 'evt_1') =>
  JSON.stringify({ id, object: 'event', type, created: NOW - 10, data: { object } });
const signed = (payload: string, secret = SECRET, at = NOW - 5) => JSON.stringify({ payload, signature: signPayload(payload, secret, at) });

async function read(lines: string[], config: Record<string, unknown> = {}, state: unknown[] = []) {
  const source = createStripeSource({ webhooks: async function* () { yield* lines; }, clock: () => NOW });
  return run(source, 'read', {
    config: { api_key: 'sk_test_x', base_url: 'http://127.0.0.1:1', webhook_secret: SECRET, ...config },
    catalog: catalogOf(['customers', 'invoices', 'subscriptions']),
    state,
  });
}

const errors = (messages: readonly AirbyteMessage[]) => messages.flatMap((m) => (m.type === 'TRACE' && m.trace.type === 'ERROR' ? [m.trace.error!] : []));

describe('verifySignature', () => {
  const payload = event('customer.created', { id: 'cus_1', object: 'customer' });

  it('accepts a signature of the payload with the secret, within the tolerance', () => {
    expect(() => verifySignature(payload, signPayload(payload, SECRET, NOW - 299), SECRET, 300, NOW)).not.toThrow();
    // A header may carry several v1 signatures (secret rotation) and other schemes.
    const header = `t=${NOW},v1=${'0'.repeat(64)},${signPayload(payload, SECRET, NOW).split(',')[1]},v0=abc`;
    expect(() => verifySignature(payload, header, SECRET, 300, NOW)).not.toThrow();
  });

  it('refuses another secret, a changed payload, a stale timestamp and a malformed header', () => {
    expect(() => verifySignature(payload, signPayload(payload, 'whsec_other', NOW), SECRET, 300, NOW)).toThrow(/no v1 signature matches/);
    expect(() => verifySignature(`${payload} `, signPayload(payload, SECRET, NOW), SECRET, 300, NOW)).toThrow(WebhookSignatureError);
    expect(() => verifySignature(payload, signPayload(payload, SECRET, NOW - 301), SECRET, 300, NOW)).toThrow(/more than 300 s old/);
    expect(() => verifySignature(payload, 'v1=abc', SECRET, 300, NOW)).toThrow(/no timestamp/);
  });
});

describe('read --webhooks', () => {
  it('emits the objects of signed deliveries, delete markers for *.deleted, and leaves the state alone', async () => {
    const saved = [{ type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { cursor: 5, cursor_ids: ['cus_0'], events: { created: 4, checked: 6 } } } }];
    const { code, messages } = await read([
      signed(event('customer.created', { id: 'cus_1', object: 'customer', email: 'a@example.com' })),
      '',
      signed(event('customer.updated', { id: 'cus_1', object: 'customer', email: 'b@example.com' }, 'evt_2')),
      signed(event('customer.subscription.deleted', { id: 'sub_1', object: 'subscription', status: 'canceled' }, 'evt_3')),
      signed(event('payout.paid', { id: 'po_1', object: 'payout' }, 'evt_4')), // not in the catalog
      JSON.stringify({ payload: event('invoice.paid', { id: 'in_1', object: 'invoice' }), headers: { 'Stripe-Signature': signPayload(event('invoice.paid', { id: 'in_1', object: 'invoice' }), SECRET, NOW) } }),
    ], {}, saved);
    expect(code).toBe(0);
    expect(errors(messages)).toEqual([]);
    expect(recordsOf(messages, 'customers')).toEqual([
      { id: 'cus_1', object: 'customer', email: 'a@example.com' },
      { id: 'cus_1', object: 'customer', email: 'b@example.com' },
    ]);
    expect(recordsOf(messages, 'subscriptions')).toEqual([{ id: 'sub_1', object: 'subscription', status: 'canceled', _deleted: true }]);
    expect(recordsOf(messages, 'invoices')).toEqual([{ id: 'in_1', object: 'invoice' }]);
    expect(statesOf(messages, 'customers')).toEqual([{ ...saved[0], sourceStats: { recordCount: 2 } }]);
    expect(statesOf(messages, 'invoices')).toEqual([{ type: 'STREAM', stream: { stream_descriptor: { name: 'invoices' }, stream_state: {} }, sourceStats: { recordCount: 1 } }]);
  });

  it('turns a bad signature into a TRACE ERROR and no record, and reads on; the errors come after every STATE', async () => {
    const good = event('customer.created', { id: 'cus_ok', object: 'customer' });
    const forged = event('customer.created', { id: 'cus_forged', object: 'customer' });
    const { code, messages } = await read([
      signed(forged, 'whsec_attacker'),
      JSON.stringify({ payload: forged }),
      signed(good, SECRET, NOW - 3_600),
      'not json',
      signed(good),
    ]);
    expect(code).toBe(0);
    expect(recordsOf(messages)).toEqual([{ id: 'cus_ok', object: 'customer' }]);
    expect(errors(messages).map((e) => [e.failure_type, e.message.replace(/ \(.*$/, '')])).toEqual([
      ['config_error', 'webhook line 1: signature refused: no v1 signature matches the payload'],
      ['config_error', 'webhook line 2: signature refused: it has no Stripe-Signature, and webhook_secret is set; no record emitted'],
      ['config_error', `webhook line 3: signature refused: the signature timestamp ${NOW - 3_600} is more than 300 s old`],
      ['config_error', 'webhook line 4: unreadable: not JSON'],
    ]);
    // A destination commits what came before the last STATE, then sees the upstream failure.
    const lastState = messages.findLastIndex((m) => m.type === 'STATE');
    const firstError = messages.findIndex((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
    expect(firstError).toBeGreaterThan(lastState);
    expect(messages.filter((m) => m.type === 'LOG' && m.log.level === 'ERROR')).toHaveLength(4);
  });

  it('takes bare events when no secret is configured', async () => {
    const { messages } = await read([event('invoice.updated', { id: 'in_2', object: 'invoice', status: 'paid' })], { webhook_secret: undefined });
    expect(recordsOf(messages, 'invoices')).toEqual([{ id: 'in_2', object: 'invoice', status: 'paid' }]);
    expect(errors(messages)).toEqual([]);
  });
});
