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
import { UserError } from './user-error.ts';

/**
 * What `apps/cli/bin/sync.js` found in apps/cli/dist/build.json when it started the bundled CLI
 * (scripts/build.js writes it): each bundle's file, relative to the repository, and the sha1 of its
 * output. Absent when the CLI runs from its TypeScript sources.
 */
interface BuildManifest {
  bundles: Record<string, { file: string; sha1: string }>;
}

const build = (globalThis as { syncBuild?: BuildManifest }).syncBuild;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * V8 options for the connectors' Node: collect garbage sooner instead of letting the heap grow with
 * the allocation rate (a connector streams short-lived strings; measured in docs/benchmarks.md: about
 * 40% less peak RSS for the same throughput).
 */
const NODE_OPTIONS = ['--optimize-for-size'];

/**
 * The executable of a built-in connector: its bundle, versioned by the bundle's hash (the engine
 * caches its spec per version), when the CLI itself runs bundled; else its TypeScript entry, so that a
 * CLI running from changed sources never starts a connector bundle built before the change.
 */
function binOf(pkg: string, bin: string): string | { bin: string; version: string; nodeOptions: readonly string[] } {
  const bundle = build?.bundles[bin];
  if (bundle) return { bin: join(repoRoot, bundle.file), version: `sha1:${bundle.sha1}`, nodeOptions: NODE_OPTIONS };
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
