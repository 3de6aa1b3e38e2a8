import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AirbyteCatalog } from '@sync/protocol';
import { catalogSaved, configHash, forgetCatalog, keepCatalog, type CatalogCache, type CatalogReuse } from './catalog-cache.ts';
import { DEFAULT_CATALOG_MAX_AGE_MS } from './timeouts.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import type { SyncEvent } from './events.ts';
import type { SourceCatalogRecord } from './run-store.ts';
import { REDACTED } from './redactor.ts';
import { RunSecrets } from './secrets.ts';
import { readSpecsAndDiscover } from './specs-and-catalog.ts';

const spec = { type: 'object', properties: { token: { type: 'string', airbyte_secret: true } } };
const catalog: AirbyteCatalog = { streams: [{ name: 'widgets', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] }] };
const env = connectorEnvironment(process.env);
let dir: string;
let source: ConnectorCommand;
let destination: ConnectorCommand;
let calls: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-catalog-cache-'));
  calls = join(dir, 'source.calls');
  const file = join(dir, 'source.mjs');
  // Appends each command it runs to the calls file, so a test counts the discover processes.
  await writeFile(
    file,
    `import { appendFileSync } from 'node:fs';
     const command = process.argv[2];
     appendFileSync(${JSON.stringify(calls)}, command + '\\n');
     const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
     if (command === 'spec') out({ type: 'SPEC', spec: { connectionSpecification: ${JSON.stringify(spec)} } });
     else out({ type: 'CATALOG', catalog: ${JSON.stringify(catalog)} });`,
  );
  source = { name: 'source-counted', file: process.execPath, args: [file], version: 'v1' };
  const destinationFile = join(dir, 'destination.mjs');
  await writeFile(destinationFile, `console.log(JSON.stringify({ type: 'SPEC', spec: { connectionSpecification: { type: 'object' } } }));`);
  destination = { name: 'destination-plain', file: process.execPath, args: [destinationFile] };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A catalog cache in memory, as the state store keeps one per pipeline; `failing` makes every call reject. */
function memoryCache(failing = false): CatalogCache & { kept: Map<string, SourceCatalogRecord> } {
  const kept = new Map<string, SourceCatalogRecord>();
  const fail = () => Promise.reject(new Error('the store is down'));
  return {
    kept,
    loadSourceCatalog: (pipelineId) => (failing ? fail() : Promise.resolve(kept.get(pipelineId))),
    saveSourceCatalog: async (pipelineId, record) => {
      if (failing) return fail();
      if (record) kept.set(pipelineId, record);
      else kept.delete(pipelineId);
    },
  };
}

/** The start of one run with `reuse`; returns its catalog, events and the source commands it started. */
async function start(reuse: Omit<CatalogReuse, 'pipelineId'>, config: Record<string, unknown>, command = source) {
  await writeFile(calls, '');
  const configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(config));
  const events: SyncEvent[] = [];
  const secrets = new RunSecrets();
  const found = await readSpecsAndDiscover(secrets, {
    source: command,
    destination,
    configs: { source: config, destination: {} },
    sourceConfigPath: configPath,
    env,
    emit: (event) => events.push(secrets.maskEvent(event)),
    timeoutMs: 20_000,
    catalog: { ...reuse, pipelineId: 'p1' },
  });
  const commands = (await readFile(calls, 'utf8')).split('\n').filter(Boolean).sort();
  return { found, events, commands };
}

const fresh = { refresh: false, maxAgeMs: DEFAULT_CATALOG_MAX_AGE_MS };

it('keeps the catalog a versioned source discovered, and reuses it: the next run starts no discover and says so', async () => {
  const cache = memoryCache();
  const first = await start({ cache, ...fresh }, { token: 'tok-1', region: 'eu' });
  expect(first.commands).toEqual(['discover', 'spec']);
  expect(first.found).toEqual(catalog);
  expect(first.events).toEqual([]);
  const kept = cache.kept.get('p1');
  expect(kept).toEqual({ connector: 'source-counted', version: 'v1', configHash: configHash({ token: REDACTED, region: 'eu' }, (text) => text), catalog, discoveredAt: expect.any(Date) });
  // The config itself is never kept: only a hash of it with its secrets masked.
  expect(JSON.stringify(kept)).not.toContain('tok-1');
  expect(kept?.configHash).not.toBe(configHash({ token: 'tok-1', region: 'eu' }, (text) => text));

  // Same config with its keys in another order: the same hash.
  const second = await start({ cache, ...fresh }, { region: 'eu', token: 'tok-1' });
  expect(second.commands).toEqual(['spec']);
  expect(second.found).toEqual(catalog);
  expect(second.events).toEqual([
    {
      type: 'log',
      role: 'source',
      connector: 'source-counted',
      level: 'INFO',
      message: expect.stringMatching(new RegExp(`^catalog reused from the discover of ${kept!.discoveredAt.toISOString()} \\(.* ago, same connector version and config\\), so no discover ran;`)),
    },
  ]);
});

it('discovers again for a changed config, a changed version, a refresh, an old catalog, a maximum age of 0, or a command line', async () => {
  const cache = memoryCache();
  const config = { token: 'tok-1', region: 'eu' };
  expect((await start({ cache, ...fresh }, config)).commands).toContain('discover');
  expect((await start({ cache, ...fresh }, config)).commands).not.toContain('discover');
  // A new secret alone (a rotated token) keeps the catalog: the hash never sees secrets.
  expect((await start({ cache, ...fresh }, { ...config, token: 'tok-2' })).commands).not.toContain('discover');

  expect((await start({ cache, ...fresh }, { token: 'tok-2', region: 'us' })).commands).toContain('discover');
  expect((await start({ cache, ...fresh }, { token: 'tok-2' }, { ...source, version: 'v2' })).commands).toContain('discover');
  expect((await start({ cache, refresh: true, maxAgeMs: DEFAULT_CATALOG_MAX_AGE_MS }, { token: 'tok-2' }, { ...source, version: 'v2' })).commands).toContain('discover');
  expect((await start({ cache, refresh: false, maxAgeMs: 0 }, { token: 'tok-2' }, { ...source, version: 'v2' })).commands).toContain('discover');
  // The same catalog, discovered a day and a second ago.
  const kept = cache.kept.get('p1')!;
  cache.kept.set('p1', { ...kept, discoveredAt: new Date(Date.now() - DEFAULT_CATALOG_MAX_AGE_MS - 1000) });
  expect((await start({ cache, ...fresh }, { token: 'tok-2' }, { ...source, version: 'v2' })).commands).toContain('discover');
  // Kept again by that discover, so reused once more.
  expect((await start({ cache, ...fresh }, { token: 'tok-2' }, { ...source, version: 'v2' })).commands).not.toContain('discover');

  // A command line has no version: always discovered, never kept.
  const { version: _, ...commandLine } = source;
  const other = memoryCache();
  for (let i = 0; i < 2; i++) expect((await start({ cache: other, ...fresh }, config, commandLine)).commands).toContain('discover');
  expect(other.kept.size).toBe(0);
});

it("loads only the run's streams of a kept catalog, and the whole of it when one of them is not kept", async () => {
  const cache = memoryCache();
  const config = { token: 'tok-1' };
  await start({ cache, ...fresh }, config);
  const loads: (readonly string[] | undefined)[] = [];
  const kept = cache.kept.get('p1')!;
  const twoStreams = { streams: [...catalog.streams, { name: 'gadgets', json_schema: {}, supported_sync_modes: ['full_refresh' as const] }] };
  cache.kept.set('p1', { ...kept, catalog: twoStreams });
  const filtering: CatalogCache = {
    ...cache,
    loadSourceCatalog: async (pipelineId, streams) => {
      loads.push(streams);
      const record = cache.kept.get(pipelineId)!;
      return streams ? { ...record, catalog: { streams: record.catalog.streams.filter((s) => streams.includes(s.name)) } } : record;
    },
  };
  const one = await start({ cache: filtering, ...fresh, streams: ['gadgets'] }, config);
  expect(one.commands).toEqual(['spec']);
  expect(one.found).toEqual({ streams: [twoStreams.streams[1]] });
  expect(loads).toEqual([['gadgets']]);
  // A stream the kept catalog lacks: the whole catalog, whose configuration then fails naming every stream.
  loads.length = 0;
  const missing = await start({ cache: filtering, ...fresh, streams: ['gadgets', 'gizmos'] }, config);
  expect(missing.commands).toEqual(['spec']);
  expect(missing.found).toEqual(twoStreams);
  expect(loads).toEqual([['gadgets', 'gizmos'], undefined]);
});

it('a cache that fails is not a failure: the source discovers', async () => {
  const { found, commands, events } = await start({ cache: memoryCache(true), ...fresh }, { token: 'tok-1' });
  expect(commands).toEqual(['discover', 'spec']);
  expect(found).toEqual(catalog);
  expect(events).toEqual([]);
});

it('a catalog kept while the run goes on is forgotten after its save, never before it', async () => {
  // A store whose first save is slow: it lands only when the test says so.
  const kept = new Map<string, SourceCatalogRecord | null>();
  let land: () => void = () => {};
  const landed = new Promise<void>((resolve) => (land = resolve));
  let saves = 0;
  const cache: CatalogCache = {
    loadSourceCatalog: async (pipelineId) => kept.get(pipelineId) ?? undefined,
    saveSourceCatalog: async (pipelineId, record) => {
      if (saves++ === 0) await landed;
      kept.set(pipelineId, record);
    },
  };
  const saving = keepCatalog({ cache, pipelineId: 'p-slow', ...fresh }, source, { token: 't' }, (text) => text, catalog);
  const forgetting = forgetCatalog(cache, 'p-slow');
  let ended = false;
  const end = catalogSaved('p-slow').then(() => (ended = true));
  await Promise.resolve();
  expect(ended).toBe(false);
  land();
  await Promise.all([saving, forgetting, end]);
  // The save came first, the forget last: the next run discovers.
  expect(kept.get('p-slow')).toBeNull();
  expect(saves).toBe(2);
});
