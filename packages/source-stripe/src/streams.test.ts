import { describe, expect, it } from 'vitest';
import { stripeCatalog } from './source.ts';
import { eventObjectType } from './openapi/stream-definitions.ts';
import { incrementalMode, streamNamed, stripeStreams } from './streams.ts';

describe('streams from the OpenAPI spec', () => {
  it('has a stream for every top-level list whose objects carry an id', () => {
    const names = stripeStreams().map((s) => s.name);
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(names).toEqual(expect.arrayContaining(['customers', 'charges', 'invoices', 'subscriptions', 'events', 'issuing_cards', 'checkout_sessions', 'balance_transactions', 'country_specs']));
    // Searches, lists that need a filter, aliases, previews and nested lists are left out.
    for (const absent of ['customers_search', 'subscription_items', 'balance_history', 'linked_accounts', 'invoices_upcoming_lines', 'treasury_transactions', 'setup_attempts']) expect(names).not.toContain(absent);
    expect(streamNamed('issuing_cards')).toMatchObject({ path: '/v1/issuing/cards', object: 'issuing.card', createdFilter: true });
    expect(streamNamed('subscriptions')!.fixedParams).toEqual({ status: 'all' });
    expect(streamNamed('reporting_report_types')!.paginated).toBe(false);
  });

  it('maps event types to the objects they carry', () => {
    const objects = new Set(['checkout.session', 'customer', 'invoice']);
    expect(eventObjectType('customer.subscription.updated', objects)).toBe('subscription');
    expect(eventObjectType('charge.dispute.funds_withdrawn', objects)).toBe('dispute');
    expect(eventObjectType('checkout.session.completed', objects)).toBe('checkout.session');
    expect(eventObjectType('issuing_card.created', objects)).toBe('issuing.card');
    expect(eventObjectType('invoice.payment_succeeded', objects)).toBe('invoice');
    expect(eventObjectType('application_fee.refund.updated', objects)).toBe('fee_refund');
    expect(streamNamed('subscriptions')!.eventTypes).toContain('customer.subscription.deleted');
    expect(streamNamed('disputes')!.eventTypes).toContain('charge.dispute.created');
  });

  it('reads incrementally by events where Stripe reports creations, else by created', () => {
    expect(incrementalMode(streamNamed('customers')!)).toBe('events');
    expect(incrementalMode(streamNamed('charges')!)).toBe('events');
    expect(incrementalMode(streamNamed('balance_transactions')!)).toBe('created');
    expect(incrementalMode(streamNamed('events')!)).toBe('created');
    expect(incrementalMode(streamNamed('accounts')!)).toBe('created'); // account.updated only: new accounts send no event
    expect(incrementalMode(streamNamed('country_specs')!)).toBeUndefined();
    expect(incrementalMode(streamNamed('payment_methods')!)).toBeUndefined();
  });

  it('publishes JSON schemas converted from the spec, with the delete marker', () => {
    const catalog = stripeCatalog();
    expect(catalog.streams.length).toBe(stripeStreams().length);
    for (const stream of catalog.streams) {
      expect(stream.source_defined_primary_key).toEqual([['id']]);
      expect(stream.json_schema).toMatchObject({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, _deleted: { type: 'boolean' } } });
    }
    const customers = catalog.streams.find((s) => s.name === 'customers')!;
    expect(customers).toMatchObject({ supported_sync_modes: ['full_refresh', 'incremental'], default_cursor_field: ['created'] });
    const properties = (customers.json_schema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(properties.created).toMatchObject({ type: 'integer' });
    expect(properties.email).toMatchObject({ type: ['string', 'null'] });
    expect(properties.address).toMatchObject({ type: ['object', 'null'], properties: { city: { type: ['string', 'null'] } } });
    expect(properties.default_source).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] });
    expect(catalog.streams.find((s) => s.name === 'country_specs')).toMatchObject({ supported_sync_modes: ['full_refresh'] });
    expect(JSON.stringify(catalog).length).toBeLessThan(1_000_000);
  });
});
