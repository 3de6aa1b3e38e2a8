/** The config of the Stripe source: what `spec` publishes and `check`/`discover`/`read` receive. */
import { z } from 'zod';

export const DEFAULT_BASE_URL = 'https://api.stripe.com';

export const StripeSourceConfig = z.object({
  api_key: z
    .string()
    .min(1)
    .describe('Stripe secret or restricted API key (sk_… or rk_…), read-only access is enough. Env: STRIPE_API_KEY.')
    .meta({ airbyte_secret: true }),
  base_url: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_BASE_URL)
    .describe('Base URL of the Stripe API, such as a local emulator (http://127.0.0.1:12111). Env: STRIPE_BASE_URL.'),
  page_size: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(100)
    .describe('Objects per list request (Stripe allows 1 to 100). A STATE checkpoint follows every page.'),
});
export type StripeSourceConfig = z.infer<typeof StripeSourceConfig>;
