/**
 * Which Stripe account a source's requests count against, and that account's request rate. Stripe
 * limits requests per account (https://docs.stripe.com/rate-limits): 25 a second in test mode, 100
 * in live mode. The account is named by its API key, hashed: a key must never reach a table, a
 * metric label or a log line. Two keys of one account (a secret key and a restricted key, say) name
 * two accounts here, so each gets the full rate and together they can exceed Stripe's limit: give
 * every pipeline of an account the same key.
 */
import { createHash } from 'node:crypto';

/** Stripe's documented limits per account, requests per second (https://docs.stripe.com/rate-limits). */
export const STRIPE_ACCOUNT_RATES = { test: 25, live: 100 } as const;

/** `acct:` + the first 16 hex digits of sha256(api key): the same for every process, never the key. */
export function stripeAccount(apiKey: string): string {
  return `acct:${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

/**
 * Stripe's limit for the account of `apiKey`, requests per second: 100 for a live key (`sk_live_…`,
 * `rk_live_…`), else 25, the test mode's. A key in neither form gets the lower one, as the Stripe
 * source's own default does (its `requests_per_second`).
 */
export function stripeAccountRate(apiKey: string): number {
  return /^(sk|rk)_live_/.test(apiKey) ? STRIPE_ACCOUNT_RATES.live : STRIPE_ACCOUNT_RATES.test;
}
