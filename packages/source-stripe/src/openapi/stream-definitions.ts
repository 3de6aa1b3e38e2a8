/**
 * The stream definitions, derived from Stripe's OpenAPI spec when the catalog is generated
 * (`scripts/generate-catalog.ts`; at run time the source reads the result,
 * `src/generated/streams.json`): every top-level Stripe list endpoint whose objects carry an `id`,
 * one stream each, named after its path (`GET /v1/customers` is `customers`, `GET /v1/issuing/cards`
 * is `issuing_cards`).
 *
 * Left out, on purpose:
 * - lists under another object (`/v1/invoices/{invoice}/lines`, `/v1/subscription_items?subscription=`):
 *   their items arrive inside the parent's record, completed past the first page (nested.ts);
 * - `/search` endpoints (the same objects as the plain list, and they need a query);
 * - lists that need a filter to answer at all (`/v1/treasury/transactions?financial_account=`);
 * - aliases of another list (`/v1/balance/history`, `/v1/linked_accounts`) and previews
 *   (`/v1/invoices/upcoming/lines`).
 */
import type { StreamDefinition } from '../streams.ts';
import { eventTypes, listItemSchema, listOperation, refName, resolveRef, type OasDocument } from './document.ts';

const ALIASES = new Set(['/v1/balance/history', '/v1/linked_accounts', '/v1/invoices/upcoming/lines']);

/** Without `status`, Stripe leaves canceled subscriptions out of the list. */
const FIXED_PARAMS: Readonly<Record<string, Record<string, string>>> = {
  subscriptions: { status: 'all' },
};

/**
 * Event type path → object type where the rule below gets it wrong: `<path>.<action>` names the
 * object by its last path segment (`charge.dispute.created` → `dispute`), by the whole path when
 * that is an object type (`checkout.session.completed` → `checkout.session`), and `issuing_card` is
 * `issuing.card`.
 */
const EVENT_OBJECT_ALIASES: Readonly<Record<string, string>> = {
  'application_fee.refund': 'fee_refund',
  'account.external_account': 'external_account',
  'account.application': 'application',
  'customer.source': 'payment_source',
  'customer.discount': 'discount',
  'source.transaction': 'source_transaction',
};

/** The object type an event type carries in `data.object`, e.g. `customer.subscription.updated` → `subscription`. */
export function eventObjectType(type: string, objectTypes: ReadonlySet<string>): string {
  const path = type.slice(0, type.lastIndexOf('.'));
  const alias = EVENT_OBJECT_ALIASES[path];
  if (alias) return alias;
  if (objectTypes.has(path)) return path;
  if (path.startsWith('issuing_')) return `issuing.${path.slice('issuing_'.length)}`;
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Derives the stream definitions from a spec document, in path order. */
export function streamsOf(document: OasDocument): StreamDefinition[] {
  const objectTypes = new Set<string>();
  for (const schema of Object.values(document.components.schemas)) {
    for (const value of schema.properties?.object?.enum ?? []) if (typeof value === 'string') objectTypes.add(value);
  }
  const eventsByObject = new Map<string, string[]>();
  for (const type of eventTypes(document)) {
    const object = eventObjectType(type, objectTypes);
    eventsByObject.set(object, [...(eventsByObject.get(object) ?? []), type]);
  }
  const streams: StreamDefinition[] = [];
  for (const path of Object.keys(document.paths).sort()) {
    if (!path.startsWith('/v1/') || path.includes('{') || path.endsWith('/search') || ALIASES.has(path)) continue;
    const operation = listOperation(document, path);
    if (!operation) continue;
    const item = listItemSchema(document, operation);
    if (!item?.$ref) continue;
    const schema = resolveRef(document, item);
    const object = schema.properties?.object?.enum?.[0];
    if (!schema.properties?.id || typeof object !== 'string') continue;
    const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
    if (query.some((p) => p.required)) continue;
    const name = path.slice('/v1/'.length).replaceAll('/', '_');
    streams.push({
      name,
      path,
      object,
      schema: refName(item.$ref),
      createdFilter: query.some((p) => p.name === 'created'),
      hasCreated: 'created' in schema.properties,
      eventTypes: (eventsByObject.get(object) ?? []).sort(),
      paginated: query.some((p) => p.name === 'limit'),
      fixedParams: FIXED_PARAMS[name] ?? {},
    });
  }
  return streams;
}
