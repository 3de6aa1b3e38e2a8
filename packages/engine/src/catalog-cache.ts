/**
 * The source's catalog kept across runs, so a run whose source and config did not change starts no
 * `discover` process (issue 13: a no-op incremental run spent a third of its time discovering). As
 * Meltano keeps a discovered catalog keyed by the extractor's config and re-discovers on
 * `--refresh-catalog`, and Airbyte keeps a connection's catalog and re-discovers on a schedule.
 *
 * A kept catalog (`RunStore.loadSourceCatalog`, one per pipeline) is reused when all of these hold:
 * the source has a version (`ConnectorCommand.version`: built-ins and executables on PATH do, command
 * lines do not), its name and version are those that discovered it, the effective source config
 * hashes the same (`configHash`), it is younger than the maximum age (`DEFAULT_CATALOG_MAX_AGE_MS`, timeouts.ts),
 * and the run did not ask for a fresh one. The config itself is never kept, only a hash of it with its
 * secrets masked (as the run masks its logs): a hash of the secrets themselves would let whoever reads
 * the store test guesses of a weak one offline. So a change of a secret alone (a rotated key) keeps the
 * catalog; pointing a source at other data only by its credentials needs `--refresh-catalog`.
 *
 * A run that fails with a `config_error` of the source or of the engine (a stream that is not in the
 * catalog, a sync mode the catalog does not allow) forgets the kept catalog: the next run discovers.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, type AirbyteCatalog } from '@sync/protocol';
import type { ConnectorCommand } from './connector-command.ts';
import type { RunStore, SourceCatalogRecord } from './run-store.ts';

/** Where catalogs are kept across runs: the run's state store. */
export type CatalogCache = Pick<RunStore, 'loadSourceCatalog' | 'saveSourceCatalog'>;

/** How a run treats the kept catalog of its pipeline. */
export interface CatalogReuse {
  cache: CatalogCache;
  pipelineId: string;
  /** The streams the run configures, when not every stream: only those are loaded from a kept catalog. */
  streams?: readonly string[];
  /** Discover even when a kept catalog would do (`sync run --refresh-catalog`). */
  refresh: boolean;
  /** Oldest kept catalog reused, in ms since its discover (0: never reuse). */
  maxAgeMs: number;
}

/**
 * sha256 (hex, 64 characters) of a config's canonical JSON with its secrets masked by `mask` (the run's
 * `RunSecrets.mask`): equal configs, whatever their key order, hash the same, and no secret goes into it.
 */
export function configHash(config: Record<string, unknown>, mask: (text: string) => string): string {
  return createHash('sha256').update(mask(canonicalJson(config))).digest('hex');
}

/**
 * The kept catalog of the pipeline when it may stand in for a discover as far as the source goes
 * (same connector and version, young enough, no refresh asked), else undefined; with
 * `reuse.streams`, only those of its streams (all of them when one of those is missing). Its config hash is
 * compared by the caller (`configHash`), once the run's secrets are known. A lookup that fails is a
 * miss: the run discovers.
 *
 * @param now the engine's clock, in ms since the epoch (for tests).
 */
export async function keptCatalog(reuse: CatalogReuse, source: ConnectorCommand, now = Date.now()): Promise<SourceCatalogRecord | undefined> {
  if (reuse.refresh || !source.version || reuse.maxAgeMs <= 0) return undefined;
  const { cache, pipelineId, streams } = reuse;
  let kept = await cache.loadSourceCatalog(pipelineId, streams).catch(() => undefined);
  // A stream the run asks for is not kept: the whole catalog, so that the run fails naming every
  // stream the source has, as it does with a catalog just discovered.
  if (kept && streams && !streams.every((name) => kept!.catalog.streams.some((stream) => stream.name === name))) {
    kept = await cache.loadSourceCatalog(pipelineId).catch(() => undefined);
  }
  if (!kept) return undefined;
  const age = now - kept.discoveredAt.getTime();
  const same = kept.connector === source.name && kept.version === source.version;
  return same && age >= 0 && age < reuse.maxAgeMs ? kept : undefined;
}

/** Saves of a discovered catalog still under way in this process, by pipeline id (`keepCatalog`). */
const saving = new Map<string, Promise<void>>();

/**
 * Keeps a catalog the source just discovered, for a versioned source (a command line's catalog is
 * never reused, so not kept). Never fails: a save that fails is skipped and the next run discovers.
 * The caller need not wait for it (a run starts reading meanwhile, issue 13); `forgetCatalog` and
 * `catalogSaved` do.
 */
export function keepCatalog(
  reuse: CatalogReuse,
  source: ConnectorCommand,
  config: Record<string, unknown>,
  mask: (text: string) => string,
  catalog: AirbyteCatalog,
): Promise<void> {
  if (!source.version) return Promise.resolve();
  const record = { connector: source.name, version: source.version, configHash: configHash(config, mask), catalog, discoveredAt: new Date() };
  const pipelineId = reuse.pipelineId;
  const done = reuse.cache.saveSourceCatalog(pipelineId, record).catch(() => {});
  saving.set(pipelineId, done);
  void done.then(() => {
    if (saving.get(pipelineId) === done) saving.delete(pipelineId);
  });
  return done;
}

/** Resolves once the catalog save `keepCatalog` started for `pipelineId` in this process, if any, is over. Never fails. */
export async function catalogSaved(pipelineId: string): Promise<void> {
  await saving.get(pipelineId);
}

/**
 * Forgets the kept catalog of a pipeline, so its next run discovers: after a save of it still under
 * way, which would otherwise keep it. Never fails (a failure is skipped).
 */
export async function forgetCatalog(cache: CatalogCache, pipelineId: string): Promise<void> {
  await catalogSaved(pipelineId);
  await cache.saveSourceCatalog(pipelineId, null).catch(() => {});
}
