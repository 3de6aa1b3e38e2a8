/**
 * The rate-limit proxy of one run: an HTTP server on 127.0.0.1 (a free port) that the run's Stripe
 * source uses as its `base_url`. Each request waits for a token of its account (account-limiter.ts),
 * then goes to the real API unchanged: method, path and query, headers and body are streamed both
 * ways as they are, except the `Host` header (the target's) and the hop-by-hop headers, which
 * belong to each connection (RFC 9110 §7.6.1: Connection and the headers it names, Keep-Alive,
 * Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding,
 * Upgrade). Bodies are not decoded (a gzip answer stays gzip).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '@sync/engine';
import type { AccountLimiter } from './account-limiter.ts';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * Raw headers (`[name, value, name, value, …]`, names as sent, repeats kept) without the hop-by-hop
 * ones, the headers `Connection` names, and `Host`.
 */
function endToEnd(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const token of raw[i + 1]!.split(',')) named.add(token.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** A Stripe-shaped error answer (https://docs.stripe.com/api/errors), so the source reports it as it would Stripe's. */
function answerError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy(new Error(message));
    return;
  }
  const body = JSON.stringify({ error: { type: 'api_error', message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(status === 503 ? { 'retry-after': '1' } : {}) });
  res.end(body);
}

export interface RateLimitProxyOptions {
  /** Where requests go: scheme, host and port (`https://api.stripe.com`); a path is ignored. */
  target: string;
  /** The account the requests count against. */
  limiter: AccountLimiter;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** A started proxy. */
export interface RateLimitProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops listening and ends open connections (their requests are abandoned, queued ones leave the queue). */
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target`. A request whose token cannot be taken gets a 503 with `Retry-After: 1`,
 * one whose target cannot be reached a 502 (the Stripe source retries both); a client that goes away
 * leaves the queue, or has its forwarded request aborted.
 *
 * @throws Error when `target` is not an http(s) URL, or 127.0.0.1 has no free port.
 */
export async function startRateLimitProxy(options: RateLimitProxyOptions): Promise<RateLimitProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`rate-limit proxy: target ${target.origin} is not an http(s) URL`);
  const client = target.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true });
  const { limiter } = options;

  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the client closed the connection'));
    });
    limiter.acquire(abort.signal).then(
      () => forward(req, res, abort.signal),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        options.log('warn', `rate-limit proxy: ${errorMessage(error)}`);
        answerError(res, 503, `sync's rate-limit proxy could not take a token for this request: ${errorMessage(error)}`);
      },
    );
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): void {
    const upstream = client.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: [...endToEnd(req.rawHeaders), 'Host', target.host], agent, signal },
      (answer) => {
        if (answer.statusCode === 429) limiter.counts.rateLimited++;
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.pipe(res);
        answer.once('error', (error) => res.destroy(error));
      },
    );
    upstream.once('error', (error) => {
      if (signal.aborted) return;
      options.log('warn', `rate-limit proxy: ${req.method} ${target.origin}${req.url?.split('?')[0] ?? ''}: ${errorMessage(error)}`);
      answerError(res, 502, `sync's rate-limit proxy cannot reach ${target.origin}: ${errorMessage(error)}`);
    });
    req.pipe(upstream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}
