/**
 * The `source-stripe` executable: Airbyte's connector commands (protocol harness), plus one additive
 * option of `read`, `--webhooks FILE` (`-` for stdin): read Stripe webhook deliveries (NDJSON, see
 * webhooks.ts) instead of listing. An orchestrator that does not know the option never passes it.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { main } from '@sync/connector-kit';
import { createStripeSource, stripeSource } from './source.ts';

/** Takes `--webhooks VALUE` / `--webhooks=VALUE` out of `argv`; returns the value, if any. */
export function takeWebhooksOption(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--webhooks' && i + 1 < argv.length) return argv.splice(i, 2)[1];
    if (arg.startsWith('--webhooks=')) return argv.splice(i, 1)[0]!.slice('--webhooks='.length);
  }
  return undefined;
}

const argv = process.argv.slice(2);
const webhooks = takeWebhooksOption(argv);
if (webhooks === undefined) {
  await main(stripeSource);
} else {
  process.argv.splice(2, process.argv.length, ...argv);
  const input = () => createInterface({ input: webhooks === '-' ? process.stdin : createReadStream(webhooks), crlfDelay: Infinity });
  await main(createStripeSource({ webhooks: input }));
}
