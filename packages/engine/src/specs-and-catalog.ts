/**
 * The start of a run: the connectors' specs (for masking, see secrets.ts) and the source's catalog
 * (`discover`), read at the same time rather than one after the other. A versioned connector whose
 * spec the store keeps starts no `spec` process at all, and a source whose catalog the store keeps
 * for the same version and config starts no `discover` (catalog-cache.ts).
 *
 * Nothing `discover` says may leave the engine before the run's secrets are known: its stderr lines
 * are held until the specs are read and then passed on (masked by the caller's `emit`), and its
 * failure is raised only once the specs are read, so the run's error is masked with every secret.
 */
import type { AirbyteCatalog } from '@sync/protocol';
import { discoverCatalog } from './call-connector.ts';
import { configHash, keepCatalog, keptCatalog, type CatalogReuse } from './catalog-cache.ts';
import type { ConnectorCommand, ConnectorRole } from './connector-command.ts';
import { formatDuration } from './duration.ts';
import type { SyncEvent } from './events.ts';
import type { RunSecrets, SpecCache } from './secrets.ts';

/** Most `discover` stderr lines held while the specs are read; later ones are counted, not kept. */
const MAX_HELD_STDERR_LINES = 1000;

/** What `readSpecsAndDiscover` needs of the run. */
export interface SpecsAndCatalogOptions {
  source: ConnectorCommand;
  destination: ConnectorCommand;
  /** The configs the connectors are started with (saved CONTROL changes applied). */
  configs: Record<ConnectorRole, Record<string, unknown>>;
  /** The source's config file, as `discover --config` takes it. */
  sourceConfigPath: string;
  /** The connectors' environment (connector-env.ts). */
  env: NodeJS.ProcessEnv;
  /** Receives the run's events; it must mask them (`RunSecrets.maskEvent`). */
  emit: (event: SyncEvent) => void;
  /** Longest each `spec` and the `discover` may run, in ms (0: no limit). */
  timeoutMs: number;
  /** Aborting kills the connectors started here. */
  signal?: AbortSignal;
  /** Specs of versioned connectors kept from earlier runs (the run's state store). */
  cache?: SpecCache;
  /** The catalog kept from an earlier run of the pipeline, and when to reuse it; without it the source always discovers. */
  catalog?: CatalogReuse;
}

/**
 * Reads both connectors' specs into `secrets` and discovers the source's catalog, concurrently. Spec
 * failures become WARN log events (every string of that connector's config is then masked). With
 * `options.catalog`, a kept catalog that may be reused (`keptCatalog`, same config hash) replaces `discover`, and an
 * INFO log event says so and since when; a catalog discovered now is kept for the next runs.
 *
 * @returns the source's catalog.
 * @throws ConnectorFailure from `discover` (after the specs are read), as `discoverCatalog` does.
 */
export async function readSpecsAndDiscover(secrets: RunSecrets, options: SpecsAndCatalogOptions): Promise<AirbyteCatalog> {
  const { source, configs } = options;
  const reuse = options.catalog;
  const mask = (text: string) => secrets.mask(text);
  // A kept catalog of this source version: the specs are read first (they are kept too, so this is
  // quick), since the config is compared by a hash of it with its secrets masked.
  const kept = reuse ? await keptCatalog(reuse, source) : undefined;
  if (kept && reuse) {
    await readSpecs(secrets, options);
    if (kept.configHash === configHash(configs.source, mask)) {
      const age = formatDuration(Math.max(0, Date.now() - kept.discoveredAt.getTime()));
      options.emit({
        type: 'log',
        role: 'source',
        connector: source.name,
        level: 'INFO',
        message: `catalog reused from the discover of ${kept.discoveredAt.toISOString()} (${age} ago, same connector version and config), so no discover ran; discovered again once ${formatDuration(reuse.maxAgeMs)} old, or now with sync run --refresh-catalog`,
      });
      return kept.catalog;
    }
  }
  const catalog = await readSpecsWhileDiscovering(secrets, options, { specsRead: Boolean(kept) });
  // Not waited for: the read starts while the store keeps the catalog (a 350 KB row for Stripe); the
  // run waits for it before it ends (run-sync.ts, `catalogSaved`).
  if (reuse) void keepCatalog(reuse, source, configs.source, mask, catalog);
  return catalog;
}

/** Reads both connectors' specs into `secrets`; failures become WARN log events. Never throws. */
async function readSpecs(secrets: RunSecrets, options: SpecsAndCatalogOptions): Promise<void> {
  const { source, destination, configs, env, emit, timeoutMs, signal } = options;
  await secrets.readSpecs(
    { source: { command: source, config: configs.source }, destination: { command: destination, config: configs.destination } },
    env,
    (role, connector, message) => emit({ type: 'log', role, connector, level: 'WARN', message }),
    { timeoutMs, ...(signal ? { signal } : {}), ...(options.cache ? { cache: options.cache } : {}) },
  );
}

/** `readSpecs` while the source discovers; discover's stderr and failure surface once the specs are read. */
async function readSpecsWhileDiscovering(secrets: RunSecrets, options: SpecsAndCatalogOptions, { specsRead = false } = {}): Promise<AirbyteCatalog> {
  const { source, env, emit, timeoutMs, signal } = options;
  const stderr = (line: string) => emit({ type: 'stderr', role: 'source', connector: source.name, line });
  const held: string[] = [];
  let dropped = 0;
  let secretsKnown = specsRead;
  const discovering = discoverCatalog(source, options.sourceConfigPath, {
    env,
    onStderr: (line) => {
      if (secretsKnown) stderr(line);
      else if (held.length < MAX_HELD_STDERR_LINES) held.push(line);
      else dropped++;
    },
    timeoutMs,
    ...(signal ? { signal } : {}),
  });
  // Settled now, thrown later: a discover that fails while the specs are read must not reject unobserved.
  const discovered = discovering.then(
    (catalog) => ({ catalog }),
    (error: unknown) => ({ error }),
  );
  if (!specsRead) await readSpecs(secrets, options);
  secretsKnown = true;
  for (const line of held) stderr(line);
  if (dropped > 0) {
    emit({
      type: 'log',
      role: 'source',
      connector: source.name,
      level: 'WARN',
      message: `${dropped} more stderr lines of discover were dropped: they came while the connectors' specs were read, past the ${MAX_HELD_STDERR_LINES} lines the engine holds until it knows which values to mask`,
    });
  }
  const result = await discovered;
  if ('error' in result) throw result.error;
  return result.catalog;
}
