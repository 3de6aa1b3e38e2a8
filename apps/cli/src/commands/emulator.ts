/**
 * `sync emulator`: local API servers for tests, benchmarks and demos. The emulators are dev tools, so
 * each is imported only when its command runs: `sync run`, `sync --help` and the other commands
 * never load them (checked by emulators-load-lazily.test.ts).
 */
import { defineCommand } from 'citty';
import { UserError } from '../user-error.ts';

function integer(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag} must be a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

function share(flag: string, value: string | undefined): number {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new UserError(`${flag} must be a number from 0 to below 1, got ${JSON.stringify(value)}`);
  return n;
}

export const emulatorCommand = defineCommand({
  meta: { name: 'emulator', description: 'Local API servers that behave like real ones, for tests, benchmarks and demos' },
  subCommands: {
    stripe: defineCommand({
      meta: { name: 'stripe', description: "Serve a Stripe-compatible API with deterministic data until interrupted" },
      args: {
        port: { type: 'string', description: 'Port to listen on (0: any free port)', default: '12111' },
        objects: { type: 'string', description: 'Objects to generate across all resources', default: '10000' },
        seed: { type: 'string', description: 'Seed of the generated data (same seed, same data)', default: '1' },
        'latency-ms': { type: 'string', description: 'Delay added to every response, in milliseconds', default: '0' },
        'rate-limit': { type: 'string', description: 'Most GET requests per second; above it, 429 with Retry-After (0: no limit)', default: '0' },
        'failure-rate': { type: 'string', description: 'Share of GET requests answered with a 500, from 0 to below 1', default: '0' },
        'api-key': { type: 'string', description: 'The API key the emulator accepts', default: 'sk_test_emulator' },
        'same-second': { type: 'string', description: 'Objects of each resource sharing one created second, in the middle of its history (0: none)', default: '0' },
        'shuffle-within-second': { type: 'boolean', description: 'List objects of one second in a seeded shuffled order instead of id descending (events excepted)', default: false },
        'ignore-created-filter': { type: 'boolean', description: 'Accept created[gte|lte|…] filters on lists and ignore them, like a server that is not quite Stripe', default: false },
        'ignore-starting-after': { type: 'boolean', description: 'Accept starting_after on lists and ignore it (answer from the top)', default: false },
      },
      async run({ args }) {
        // Listen for the stop signal before anything else, so that one arriving while the emulator
        // starts (or right after its banner) stops it cleanly instead of killing the process.
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        const latencyMs = integer('--latency-ms', args['latency-ms'], 0);
        const rateLimit = integer('--rate-limit', args['rate-limit'], 0);
        const failureRate = share('--failure-rate', args['failure-rate']);
        const sameSecond = integer('--same-second', args['same-second'], 0);
        const quirks = {
          sameSecond,
          shuffleWithinSecond: args['shuffle-within-second'] === true,
          ignoreCreatedFilter: args['ignore-created-filter'] === true,
          ignoreStartingAfter: args['ignore-starting-after'] === true,
        };
        const { startStripeEmulator } = await import('@sync/stripe-emulator');
        const emulator = await startStripeEmulator({
          port: integer('--port', args.port, 12111),
          objects: integer('--objects', args.objects, 10_000),
          seed: args.seed,
          latencyMs,
          ...(rateLimit > 0 ? { rateLimit } : {}),
          failureRate,
          apiKey: args['api-key'],
          ...quirks,
        });
        const total = emulator.resources.reduce((n, r) => n + emulator.objects(r).length, 0);
        const limits = [
          latencyMs > 0 ? `${latencyMs} ms latency` : '',
          rateLimit > 0 ? `at most ${rateLimit} requests/s` : '',
          failureRate > 0 ? `${failureRate * 100}% of requests failing` : '',
          sameSecond > 1 ? `${sameSecond} objects per resource in one second` : '',
          quirks.shuffleWithinSecond ? 'shuffled within a second' : '',
          quirks.ignoreCreatedFilter ? 'created filters ignored' : '',
          quirks.ignoreStartingAfter ? 'starting_after ignored' : '',
        ].filter(Boolean);
        process.stderr.write(
          [
            `Stripe emulator listening on ${emulator.url}: ${total} objects over ${emulator.resources.length} resources${limits.length ? ` (${limits.join(', ')})` : ''}`,
            `  counters: ${emulator.url}/_emulator/counters; change objects with POST/DELETE /v1/<resource>[/<id>], as on Stripe`,
            `  export STRIPE_BASE_URL=${emulator.url} STRIPE_API_KEY=${args['api-key']}`,
            '  then: sync run --source stripe --dest postgres',
            'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
        await stopped;
        await emulator.close();
      },
    }),
  },
});
