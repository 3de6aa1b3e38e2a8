/**
 * A client of `sync serve` for the end-to-end tests: real HTTP with fetch, every response (status,
 * headers, body) kept so that a test can search them all for secrets, NDJSON run events read line by
 * line as they come, and Stripe's webhook signature made the way Stripe makes it.
 */
import { createHmac } from 'node:crypto';
import { vi } from 'vitest';

type Json = Record<string, unknown>;

/** One answer of the server. `body` is the parsed JSON (undefined for another content type). */
export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** One line of `GET /runs/{id}/events`. */
export interface RunEvent {
  seq: number;
  type: string;
  [key: string]: unknown;
}

/** A run as the API shows it (the fields the tests read). */
export interface ApiRun {
  id: string;
  pipeline_id: string;
  kind: 'sync' | 'webhook';
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  error: string | null;
  cancel_requested_at: string | null;
  streams: Record<string, { records_read: number; records_committed: number; status?: string }>;
}

/** Options of one request. */
export interface RequestOptions {
  /** A JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** A raw body, sent as is (with `headers` saying what it is). */
  raw?: string;
  /** The bearer token; default the client's; null sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** Requests to one server, each answer kept in `received`. */
export class ApiClient {
  readonly url: string;
  readonly token: string;
  /** Every answer so far, as text: `<method> <path> <status>`, the headers, then the body. */
  readonly received: string[] = [];

  constructor(url: string, token: string) {
    this.url = url;
    this.token = token;
  }

  #init(method: string, options: RequestOptions): RequestInit {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    return { method, headers, ...(body !== undefined ? { body } : {}) };
  }

  #keep(method: string, path: string, response: Response, text: string): void {
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
    this.received.push(`${method} ${path} ${response.status}\n${headers}\n\n${text}`);
  }

  /** Sends a request and reads the whole answer. */
  async request<T = Json>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.url}${path}`, this.#init(method, options));
    const text = await response.text();
    this.#keep(method, path, response, text);
    const type = response.headers.get('content-type') ?? '';
    const body = (/json/.test(type) && text !== '' ? JSON.parse(text) : undefined) as T;
    return { status: response.status, headers: response.headers, text, body };
  }

  get<T = Json>(path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = Json>(path: string, json?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, json === undefined ? options : { ...options, json });
  }

  /**
   * Follows `GET /runs/{id}/events` to its end, calling `onEvent` on each event as it arrives (the
   * stream waits while it runs).
   *
   * @returns every event, in order.
   * @throws Error when the answer is not 200 NDJSON.
   */
  async followEvents(runId: string, onEvent?: (event: RunEvent) => void | Promise<void>): Promise<RunEvent[]> {
    const path = `/runs/${runId}/events`;
    const response = await fetch(`${this.url}${path}`, this.#init('GET', {}));
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      this.#keep('GET', path, response, text);
      throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    }
    const events: RunEvent[] = [];
    let text = '';
    let partial = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      const piece = decoder.decode(chunk, { stream: true });
      text += piece;
      const lines = (partial + piece).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line === '') continue;
        const event = JSON.parse(line) as RunEvent;
        events.push(event);
        await onEvent?.(event);
      }
    }
    this.#keep('GET', path, response, text);
    if (partial !== '') throw new Error(`GET ${path} ended in the middle of a line: ${partial}`);
    return events;
  }

  /** Starts a run of `pipelineId` (expects 202) and returns it. */
  async startRun(pipelineId: string, request: Json = {}): Promise<ApiRun> {
    const response = await this.post<ApiRun>(`/pipelines/${pipelineId}/runs`, request);
    if (response.status !== 202) throw new Error(`POST /pipelines/${pipelineId}/runs answered ${response.status}: ${response.text}`);
    return response.body;
  }

  /** The newest run of `pipelineId` that `accept` picks, once there is one (polls `GET /pipelines/{id}/runs`). */
  async waitForRun(pipelineId: string, accept: (run: ApiRun) => boolean): Promise<ApiRun> {
    return vi.waitFor(
      async () => {
        const runs = await this.get<{ data: ApiRun[] }>(`/pipelines/${pipelineId}/runs`);
        const run = runs.body.data.find(accept);
        if (!run) throw new Error(`no such run of ${pipelineId} yet: ${runs.body.data.map((r) => `${r.id} ${r.kind} ${r.status}`).join(', ') || 'no runs'}`);
        return run;
      },
      { timeout: 60_000, interval: 100 },
    );
  }
}

/**
 * The `Stripe-Signature` header Stripe sends with a webhook delivery of `payload`:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>`
 * (https://docs.stripe.com/webhooks#verify-manually).
 */
export function stripeSignature(payload: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
}
