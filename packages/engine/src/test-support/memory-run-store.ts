/**
 * A `RunStore` kept in memory, for the engine's own tests: the engine may not depend on a store
 * package, not even in its tests (e2e/layers.test.ts), and its tests need no database. It keeps the
 * contract of the interface (one run at a time per pipeline, a queued run taken over by id, states
 * replaced per stream) and lets a test read what the engine stored. The Postgres store's own
 * behaviour is tested in `@sync/state-postgres` and end to end in `e2e/`.
 */
import type { AirbyteStateMessage } from '@sync/protocol';
import type { ConnectorRole } from '../connector-command.ts';
import type { ConfigUpdateRecord, RunOutcome, RunStore, SourceCatalogRecord } from '../run-store.ts';

/** One run as the memory store records it. */
export interface MemoryRun {
  id: string;
  pipelineId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  outcome?: RunOutcome;
}

export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, MemoryRun>();
  /** Saved states per pipeline, by stream name (`''` for a GLOBAL or LEGACY state). */
  readonly states = new Map<string, Map<string, AirbyteStateMessage>>();
  readonly generations = new Map<string, Map<string, number>>();
  #pipelines = new Set<string>();
  #configUpdates = new Map<string, Partial<Record<ConnectorRole, ConfigUpdateRecord>>>();
  #specs = new Map<string, unknown>();
  #catalogs = new Map<string, SourceCatalogRecord>();
  #nextId = 1;

  /** Records a `queued` run of the pipeline, as the HTTP API does when a client asks for a run; returns its id. */
  queueRun(pipelineId: string): string {
    const id = `run-${this.#nextId++}`;
    this.runs.set(id, { id, pipelineId, status: 'queued' });
    return id;
  }

  async ensurePipeline(pipeline: { id: string }): Promise<void> {
    this.#pipelines.add(pipeline.id);
  }

  async startRun(pipelineId: string, options: { runId?: string } = {}): Promise<{ id: string }> {
    const holder = [...this.runs.values()].find((run) => run.pipelineId === pipelineId && run.status === 'running');
    if (holder) throw new Error(`pipeline ${pipelineId} is held by running run ${holder.id}`);
    if (options.runId !== undefined) {
      const run = this.runs.get(options.runId);
      if (!run || run.pipelineId !== pipelineId || run.status !== 'queued') {
        throw new Error(`run ${options.runId} is not a queued run of pipeline ${pipelineId} (${run ? `${run.status}, of ${run.pipelineId}` : 'no such run'})`);
      }
      run.status = 'running';
      return { id: run.id };
    }
    const id = `run-${this.#nextId++}`;
    this.runs.set(id, { id, pipelineId, status: 'running' });
    return { id };
  }

  async commitStates(_runId: string, pipelineId: string, checkpoints: readonly { state: AirbyteStateMessage }[]): Promise<void> {
    const states = this.states.get(pipelineId) ?? new Map<string, AirbyteStateMessage>();
    for (const { state } of checkpoints) states.set(state.stream?.stream_descriptor.name ?? '', state);
    this.states.set(pipelineId, states);
  }

  async streamGenerations(pipelineId: string, streams: readonly string[], options: { refresh?: boolean } = {}): Promise<Record<string, number>> {
    const generations = this.generations.get(pipelineId) ?? new Map<string, number>();
    this.generations.set(pipelineId, generations);
    const result: Record<string, number> = {};
    for (const stream of streams) {
      const known = generations.get(stream);
      const generation = known === undefined ? 0 : options.refresh ? known + 1 : known;
      generations.set(stream, generation);
      result[stream] = generation;
    }
    return result;
  }

  async loadState(pipelineId: string): Promise<AirbyteStateMessage[]> {
    return [...(this.states.get(pipelineId)?.values() ?? [])];
  }

  async finishRun(runId: string, outcome: RunOutcome): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`no run ${runId}`);
    run.status = outcome.status;
    run.outcome = outcome;
  }

  async saveConfigUpdate(pipelineId: string, role: ConnectorRole, update: { connector: string; changes: Record<string, unknown> }): Promise<void> {
    const saved = this.#configUpdates.get(pipelineId) ?? {};
    saved[role] = { connector: update.connector, changes: { ...saved[role]?.changes, ...update.changes }, updatedAt: new Date() };
    this.#configUpdates.set(pipelineId, saved);
  }

  async loadConfigUpdates(pipelineId: string): Promise<Partial<Record<ConnectorRole, ConfigUpdateRecord>>> {
    return this.#configUpdates.get(pipelineId) ?? {};
  }

  async loadConnectorSpec(connector: string, version: string): Promise<unknown> {
    return this.#specs.get(`${connector}@${version}`);
  }

  async saveConnectorSpec(connector: string, version: string, connectionSpecification: unknown): Promise<void> {
    this.#specs.set(`${connector}@${version}`, connectionSpecification);
  }

  async loadSourceCatalog(pipelineId: string, streams?: readonly string[]): Promise<SourceCatalogRecord | undefined> {
    const kept = this.#catalogs.get(pipelineId);
    if (!kept || !streams) return kept;
    return { ...kept, catalog: { ...kept.catalog, streams: kept.catalog.streams.filter((stream) => streams.includes(stream.name)) } };
  }

  async saveSourceCatalog(pipelineId: string, record: SourceCatalogRecord | null): Promise<void> {
    if (!this.#pipelines.has(pipelineId)) throw new Error(`no pipeline ${pipelineId}`);
    if (record) this.#catalogs.set(pipelineId, record);
    else this.#catalogs.delete(pipelineId);
  }
}
