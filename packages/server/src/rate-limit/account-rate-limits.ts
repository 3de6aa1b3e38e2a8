/**
 * One rate limit per Stripe account, shared by every run of every `sync serve` and `sync worker`
 * process (issue 16): ten pipelines on one account together stay under Stripe's limit for it
 * (https://docs.stripe.com/rate-limits) instead of each taking the full rate. A run whose source is
 * `stripe` gets a proxy of its own (proxy.ts) as its `base_url`; every request through it first takes
 * a token from the account's bucket in Postgres (`takeRateToken`, table `rate_buckets`).
 */
import { connect } from 'node:net';
import type pg from 'pg';
import { takeRateToken, type RateLimit, type StoredPipeline } from '@sync/state-postgres';
import type { LogLevel, ServerContext } from '../context.ts';
import { AccountLimiter, type AccountCounts } from './account-limiter.ts';
import { startRateLimitProxy } from './proxy.ts';
import { stripeAccount, stripeAccountRate } from './stripe-account.ts';

/** The Stripe source's default `base_url`. */
const STRIPE_API = 'https://api.stripe.com';

export interface AccountRateLimitsOptions {
  /** A pool on the state store's database (any `query`): the buckets live there. */
  pool: Pick<pg.Pool, 'query'>;
  /** The state store's schema (`store.schema`), migrated to 009. */
  schema: string;
  /**
   * Requests per second allowed to an account, for every account (`SYNC_STRIPE_RATE_LIMIT`) or by
   * API key. Default: Stripe's limits, 100 for live keys and 25 otherwise (stripe-account.ts).
   * Every process should use the same rate for an account: each take refills at its own.
   */
  rate?: number | ((apiKey: string) => number);
  /**
   * The bucket's size as seconds of the rate (default 0.2: 5 requests at 25/s): small, so arrival
   * jitter between the proxy and Stripe does not add up to a burst over Stripe's own bucket.
   */
  burstSeconds?: number;
  log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;
}

/** The shared rate limits of one process. */
export interface AccountRateLimits {
  /** For `ServerContext.prepareSource`: a Stripe source gets a proxy; any other source its config unchanged. */
  prepareSource: NonNullable<ServerContext['prepareSource']>;
  /** Each account's counts in this process (requests sent, 429s, time waited), for metrics. */
  counts(): AccountCounts[];
}

/**
 * Whether a TCP connection to the URL's host and port opens within 3 s. A `base_url` that refuses
 * connections is the source's to report (a config error); behind the proxy it would be a 502, which
 * the source retries as an outage.
 */
function reachable(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function rateOf(option: AccountRateLimitsOptions['rate'], apiKey: string): number {
  const rate = option === undefined ? stripeAccountRate(apiKey) : typeof option === 'number' ? option : option(apiKey);
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`the Stripe rate limit must be a positive number of requests per second (SYNC_STRIPE_RATE_LIMIT), not ${rate}`);
  return rate;
}

/**
 * The shared rate limits on `options.pool`. For a pipeline whose source is `stripe` with an
 * `api_key`, `prepareSource` starts a proxy to the config's `base_url` (default
 * https://api.stripe.com) and returns the config with `base_url` set to the proxy and
 * `requests_per_second` the lower of the config's own (or Stripe's default for the key) and the
 * account's rate; its `release` closes the proxy. Other sources, and Stripe configs without a
 * string `api_key`, with a `base_url` that is not an http(s) URL, or one that refuses connections
 * (the source reports those, as config errors), are returned unchanged with a `release` that does
 * nothing.
 *
 * @throws Error (from `prepareSource`) when `rate` gives a non-positive number, or no port is free.
 */
export function createAccountRateLimits(options: AccountRateLimitsOptions): AccountRateLimits {
  const burstSeconds = options.burstSeconds ?? 0.2;
  if (!(burstSeconds > 0) || !Number.isFinite(burstSeconds)) throw new Error(`burstSeconds must be a positive number of seconds, not ${burstSeconds}`);
  // Per account: its queue in this process, and the limit of its latest run (the one its takes use).
  const accounts = new Map<string, { limiter: AccountLimiter; limit: RateLimit }>();
  const unchanged = (config: Record<string, unknown>) => ({ config, release: async () => {} });

  const prepareSource = async (pipeline: StoredPipeline, config: Record<string, unknown>) => {
    const apiKey = config.api_key;
    if (pipeline.source.name !== 'stripe' || typeof apiKey !== 'string' || apiKey === '') return unchanged(config);
    const baseUrl = typeof config.base_url === 'string' ? config.base_url : STRIPE_API;
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) return unchanged(config);
    const rate = rateOf(options.rate, apiKey);
    if (!(await reachable(new URL(baseUrl)))) return unchanged(config);
    const account = stripeAccount(apiKey);
    const limit = { rate, burst: Math.max(1, rate * burstSeconds) };
    let entry = accounts.get(account);
    if (entry) entry.limit = limit;
    else {
      const limiter = new AccountLimiter(account, () => takeRateToken(options.pool, options.schema, account, accounts.get(account)!.limit));
      entry = { limiter, limit };
      accounts.set(account, entry);
    }
    const proxy = await startRateLimitProxy({ target: baseUrl, limiter: entry.limiter, log: options.log });
    const own = typeof config.requests_per_second === 'number' ? config.requests_per_second : stripeAccountRate(apiKey);
    options.log('debug', `pipeline ${pipeline.id}: Stripe requests of ${account} go through ${proxy.url} (${rate}/s shared by every worker)`);
    return {
      config: { ...config, base_url: proxy.url, requests_per_second: Math.min(own, rate) },
      release: () => proxy.close(),
    };
  };

  return {
    prepareSource,
    counts: () => [...accounts.values()].map(({ limiter }) => ({ ...limiter.counts })),
  };
}
