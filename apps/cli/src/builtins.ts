/**
 * The connectors that ship with the CLI, and the config each takes from the CLI's environment when
 * the given config lacks it: `STRIPE_API_KEY` and `STRIPE_BASE_URL` for the Stripe source, the
 * database URL (`DATABASE_URL` or the embedded one) for the Postgres destination. The CLI reads them
 * and the engine writes them into the connector's config file (mode 0600): connectors never get the
 * CLI's environment (`@sync/engine`, connector-env.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltinConnectors, ConnectorRole } from '@sync/engine';
import type { BuildManifest } from '../bin/build-manifest.js';
import { UserError } from './user-error.ts';

/**
 * What `apps/cli/bin/sync.js` found in apps/cli/dist/build.json when it started the bundled CLI
 * (bin/build-manifest.js); absent when the CLI runs from its TypeScript sources.
 */
const build = (globalThis as { syncBuild?: BuildManifest }).syncBuild;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * V8 options for each connector's Node, chosen by measuring (docs/benchmarks.md, "Start-up, memory and
 * the load path"). The sources and Google Sheets get `--optimize-for-size`: their heap follows what they
 * hold rather than their allocation rate (a third less peak RSS) at no cost in throughput, since each
 * waits on the network or on its reader. The Postgres destination does not: it is the CPU-bound
 * stage of a load, and the option costs it a third of its throughput (the collector takes 38% of its CPU).
 * Every connector compiles its hot functions on its main thread (`--no-concurrent-recompilation`): the
 * compiler threads' malloc arenas kept memory resident after the compiles (destination, 200,000 faker
 * records: peak RSS 133 -> 110 MB, CPU 3.45 -> 3.51 s, medians of 5; source-faker's `read` of them:
 * 78 -> 73 MB at the same CPU, and the Stripe source's `read` in a whole run about 5 MB less).
 * The Stripe source stops at V8's baseline compiler (`--max-opt=1`, no TurboFan): it waits on the
 * network, its CPU per page is `JSON.parse` and writes, and the optimizing compiler's code and zones
 * cost it about 5 MB (whole run of 21,429 customers: `read` 82-88 -> 78-81 MB peak RSS, 0.8 s of CPU
 * either way). Not for the destination or source-faker: both are CPU-bound on a load, and the
 * destination took 65% more CPU without TurboFan. The destination's young generation stops at 2 MB a
 * semi-space (`--max-semi-space-size=2`, default 16): since it stores each record's JSON as the source
 * wrote it and reuses its COPY chunks it allocates little per record, and the larger young generation
 * only held garbage (200,000 faker records: peak RSS 107 -> 100 MB at 4 MB, 89 at 2, the same CPU;
 * 1,000,000 in a whole run: 152 -> 117 MB). It may collect its garbage itself (`--expose-gc`: a full
 * collection every 25,000 records committed, periodic-gc.ts; at 1,000,000 records 116 -> 86 MiB).
 */
const NODE_OPTIONS: Record<string, readonly string[]> = {
  'source-stripe': ['--optimize-for-size', '--no-concurrent-recompilation', '--max-opt=1'],
  'source-faker': ['--optimize-for-size', '--no-concurrent-recompilation'],
  'destination-postgres': ['--no-concurrent-recompilation', '--max-semi-space-size=2', '--expose-gc'],
  'destination-google-sheets': ['--optimize-for-size', '--no-concurrent-recompilation'],
};

/**
 * The executable of a built-in connector: its bundle, versioned by the bundle's hash (the engine
 * caches its spec per version), when the CLI itself runs bundled; else its TypeScript entry, so that a
 * CLI running from changed sources never starts a connector bundle built before the change.
 */
function binOf(pkg: string, bin: string): string | { bin: string; version: string; nodeOptions: readonly string[] } {
  const bundle = build?.bundles[bin];
  if (bundle) return { bin: join(repoRoot, bundle.file), version: `sha1:${bundle.sha1}`, nodeOptions: NODE_OPTIONS[bin] ?? [] };
  const entry = fileURLToPath(import.meta.resolve(pkg)); // <package>/src/index.ts
  return join(dirname(entry), 'main.ts');
}

export const builtinConnectors: BuiltinConnectors = {
  source: {
    stripe: binOf('@sync/source-stripe', 'source-stripe'),
    faker: binOf('@sync/source-faker', 'source-faker'),
  },
  destination: {
    postgres: binOf('@sync/destination-postgres', 'destination-postgres'),
    'google-sheets': binOf('@sync/destination-google-sheets', 'destination-google-sheets'),
  },
};

export interface ConfigContext {
  env: NodeJS.ProcessEnv;
  /** Returns the database URL (DATABASE_URL or the embedded one), starting it if needed. */
  databaseUrl(): Promise<string>;
}

/**
 * The config a built-in connector gets from the environment, merged under any explicit config.
 *
 * @throws UserError when a required setting is missing from both.
 */
export async function defaultConfig(
  role: ConnectorRole,
  name: string,
  explicit: Record<string, unknown> | undefined,
  context: ConfigContext,
): Promise<Record<string, unknown>> {
  const given = explicit ?? {};
  if (role === 'source' && name === 'stripe') {
    const apiKey = given.api_key ?? context.env.STRIPE_API_KEY;
    if (!apiKey) {
      throw new UserError(
        'no Stripe API key: export STRIPE_API_KEY=sk_..., or put "api_key" in a config file (chmod 600) given with --source-config FILE',
      );
    }
    const baseUrl = given.base_url ?? context.env.STRIPE_BASE_URL;
    return { ...given, api_key: apiKey, ...(baseUrl ? { base_url: baseUrl } : {}) };
  }
  if (role === 'destination' && name === 'postgres') {
    return { ...given, url: given.url ?? (await context.databaseUrl()) };
  }
  return given;
}
