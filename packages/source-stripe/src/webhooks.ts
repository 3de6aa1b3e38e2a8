/**
 * Webhooks as a `read` input: Stripe webhook deliveries given as NDJSON (`read --webhooks FILE`, or
 * `-` for stdin) become records, without listing anything. One delivery per line, either
 *
 *   {"payload": "<the request body, verbatim>", "signature": "t=1700000000,v1=5257a869…"}
 *
 * (`headers: {"Stripe-Signature": …}` may stand for `signature`), or, when no `webhook_secret` is
 * configured, the bare event object `{"id": "evt_…", "object": "event", …}`.
 *
 * With a `webhook_secret`, every payload's signature is checked as Stripe specifies
 * (https://docs.stripe.com/webhooks#verify-manually): the header's `t` and `v1` values, HMAC-SHA256
 * of `${t}.${payload}` keyed by the secret, compared in constant time, and `t` no older than the
 * tolerance (300 s by default). A line that fails (bad signature, stale timestamp, not JSON) yields
 * no record and a TRACE ERROR naming the line; the other lines are still read. The TRACE ERRORs come
 * last, after every stream's STATE: a TRACE ERROR on a destination's input means the upstream failed,
 * and the destination commits nothing after the last STATE before it (protocol input-abort.ts), so
 * the valid deliveries are committed and the run still ends failed, naming the refused lines.
 *
 * An event's `data.object` becomes a record of the configured stream whose objects have that
 * `object` type, `_deleted: true` (protocol `DELETED_FIELD`) added for `*.deleted` events; events
 * about other objects are skipped. Every configured stream ends with one STATE, its saved state
 * unchanged: webhooks never move a stream's backfill or event cursor, so the next list or event
 * read still covers everything.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { snip, type AirbyteMessage } from '@sync/protocol';
import { errorMessage, errorTrace, log, record, streamState, streamStatus, type ReadInput } from '@sync/connector-kit';
import type { StripeClient, StripeObject } from './client.ts';
import type { StripeSourceConfig } from './config.ts';
import { recordOfEvent } from './events.ts';
import { completeNestedLists, hasTruncatedLists } from './nested.ts';
import { configuredStreams, type Clock } from './read.ts';
import type { StreamDefinition } from './streams.ts';

/** Why a signature was refused. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/**
 * Verifies a `Stripe-Signature` header for `payload`.
 * @param now unix seconds.
 * @throws WebhookSignatureError saying what is wrong.
 */
export function verifySignature(payload: string, header: string, secret: string, toleranceSeconds: number, now: number): void {
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) throw new WebhookSignatureError('the Stripe-Signature header has no timestamp (t=) or no v1 signature');
  const expected = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest();
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookSignatureError('no v1 signature matches the payload (check webhook_secret: it is the signing secret of this endpoint)');
  if (toleranceSeconds > 0 && timestamp < now - toleranceSeconds) {
    throw new WebhookSignatureError(`the signature timestamp ${timestamp} is more than ${toleranceSeconds} s old (a replay, or a delivery held too long)`);
  }
}

/** The `Stripe-Signature` header for `payload` signed at `timestamp` (unix seconds): for tests and fixtures. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`;
}

interface Delivery {
  payload: string;
  signature: string | undefined;
}

function deliveryOf(line: string): Delivery {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`not JSON (${errorMessage(error)})`);
  }
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const entry = value as Record<string, unknown>;
  if (typeof entry.payload === 'string') {
    const headers = (typeof entry.headers === 'object' && entry.headers !== null ? entry.headers : {}) as Record<string, unknown>;
    const header = Object.entries(headers).find(([key]) => key.toLowerCase() === 'stripe-signature')?.[1];
    const signature = typeof entry.signature === 'string' ? entry.signature : typeof header === 'string' ? header : undefined;
    return { payload: entry.payload, signature };
  }
  if (entry.object === 'event') return { payload: line, signature: undefined };
  throw new Error('neither {"payload": …, "signature": …} nor an event object');
}

/** Reads webhook deliveries from `lines` (NDJSON) for the configured streams. */
export async function* readWebhooks(input: ReadInput<StripeSourceConfig>, lines: AsyncIterable<string>, client: StripeClient, clock: Clock): AsyncGenerator<AirbyteMessage> {
  const streams = configuredStreams(input);
  const byObject = new Map<string, StreamDefinition>();
  for (const { definition } of streams) if (!byObject.has(definition.object)) byObject.set(definition.object, definition);
  const counts = new Map<string, number>();
  for (const { definition } of streams) yield streamStatus(definition.name, 'STARTED');

  const { webhook_secret: secret, webhook_tolerance_seconds: tolerance } = input.config;
  const refused: string[] = [];
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let event: { id?: string; type?: string; created?: number; data?: { object?: StripeObject } };
    try {
      const delivery = deliveryOf(line);
      if (secret) {
        if (!delivery.signature) throw new WebhookSignatureError('it has no Stripe-Signature, and webhook_secret is set');
        verifySignature(delivery.payload, delivery.signature, secret, tolerance, clock());
      }
      event = JSON.parse(delivery.payload) as typeof event;
      if (typeof event?.type !== 'string') throw new Error('the payload is not a Stripe event (no type)');
    } catch (error) {
      const what = error instanceof WebhookSignatureError ? 'signature refused' : 'unreadable';
      const message = `webhook line ${lineNumber}: ${what}: ${errorMessage(error)}; no record emitted (${snip(line, 80)})`;
      refused.push(message);
      yield log('ERROR', message);
      continue;
    }
    const objectType = event.data?.object?.object;
    const stream = typeof objectType === 'string' ? byObject.get(objectType) : undefined;
    if (!stream) continue;
    const data = recordOfEvent(stream, { id: String(event.id), type: event.type!, created: Number(event.created), data: event.data ?? {} });
    if (!data) continue;
    if (hasTruncatedLists(data)) await completeNestedLists(data, client, input.config.page_size, stream.name);
    counts.set(stream.name, (counts.get(stream.name) ?? 0) + 1);
    yield record(stream.name, data);
  }

  for (const { definition } of streams) {
    yield streamState(definition.name, input.state.get(definition.name) ?? {}, counts.get(definition.name) ?? 0);
    yield streamStatus(definition.name, 'COMPLETE');
  }
  for (const message of refused) yield errorTrace(message, { failureType: 'config_error' });
}
