/**
 * The HTTP transport under the Stripe SDK: Node's `http` / `https`, with a deadline on the whole
 * request and TCP keepalive on every socket, so that no request can hang the source.
 *
 * - **Deadline**: `timeout` (the config's `request_timeout_ms`) bounds a request from sending it to
 *   the last byte of the answer. The SDK's own Node client only times out a socket that stays idle
 *   that long, so an answer that trickles in never ends; this one abandons the request at the
 *   deadline, whatever arrived. The SDK then reports a connection error with code `ETIMEDOUT`,
 *   which retry.ts retries like a connection reset.
 * - **Keepalive**: sockets are reused (HTTP keep-alive) and TCP keepalive probes start after
 *   KEEPALIVE_INITIAL_DELAY_MS of silence, so a connection whose peer vanished (a half-open
 *   connection: a NAT or a load balancer that forgot it) is noticed by the kernel too, not only by
 *   the deadline.
 *
 * The SDK calls `makeRequest` and reads the answer with `toJSON` (https://github.com/stripe/stripe-node,
 * "Custom HTTP clients").
 */
import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';

/** Silence on a socket before TCP keepalive probes start, ms. */
export const KEEPALIVE_INITIAL_DELAY_MS = 15_000;

type Headers = ConstructorParameters<typeof Stripe.HttpClientResponse>[1];

/** An answer whose body must arrive before the request's deadline. */
class DeadlineResponse extends Stripe.HttpClientResponse {
  readonly #res: http.IncomingMessage;
  readonly #timedOut: () => boolean;
  readonly #settle: () => void;

  constructor(res: http.IncomingMessage, timedOut: () => boolean, settle: () => void) {
    super(res.statusCode ?? 0, res.headers as Headers);
    this.#res = res;
    this.#timedOut = timedOut;
    this.#settle = settle;
  }

  override getRawResponse(): http.IncomingMessage {
    return this.#res;
  }

  override toStream(streamCompleteCallback: () => void): http.IncomingMessage {
    this.#res.once('end', () => {
      this.#settle();
      streamCompleteCallback();
    });
    return this.#res;
  }

  /** The parsed body; a body cut short (the deadline, a reset) is an error the SDK reports as a connection error. */
  override toJSON(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let body = '';
      const fail = (cause: unknown): void => {
        this.#settle();
        reject(Stripe.HttpClient.makeResponseBodyError(this.#timedOut() ? Stripe.HttpClient.makeTimeoutError() : cause));
      };
      this.#res.setEncoding('utf8');
      this.#res.on('data', (chunk: string) => (body += chunk));
      this.#res.once('error', fail);
      this.#res.once('close', () => {
        if (!this.#res.complete) fail(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
      });
      this.#res.once('end', () => {
        this.#settle();
        try {
          resolve(this._parseResponseBody(body));
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}

/** Node's http(s) with a deadline per request and TCP keepalive (see the file's comment). */
export class DeadlineHttpClient extends Stripe.HttpClient {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  /** @param maxSockets most sockets open per host (the source's `max_concurrency`). */
  constructor(maxSockets: number) {
    super();
    const options = { keepAlive: true, keepAliveMsecs: KEEPALIVE_INITIAL_DELAY_MS, maxSockets };
    this.#http = new http.Agent(options);
    this.#https = new https.Agent(options);
  }

  override getClientName(): string {
    return 'node-deadline';
  }

  /** @param timeout the deadline of the whole request, ms. */
  override makeRequest(
    host: string,
    port: string,
    path: string,
    method: string,
    headers: Parameters<Stripe.HttpClient['makeRequest']>[4],
    requestData: string,
    protocol: string,
    timeout: number,
  ): Promise<DeadlineResponse> {
    const secure = protocol !== 'http';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request({ host, port, path, method, headers: headers as http.OutgoingHttpHeaders, agent: secure ? this.#https : this.#http });
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        request.destroy(Stripe.HttpClient.makeTimeoutError());
      }, timeout);
      const settle = (): void => clearTimeout(deadline);
      request.once('response', (res) => resolve(new DeadlineResponse(res, () => timedOut, settle)));
      request.on('error', (error) => {
        settle();
        reject(timedOut ? Stripe.HttpClient.makeTimeoutError() : error);
      });
      request.end(requestData);
    });
  }
}
