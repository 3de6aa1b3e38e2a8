import { describe, expect, it } from 'vitest';
import { stateHash, type ConfiguredAirbyteCatalog, type AirbyteStateMessage } from '@sync/protocol';
import { planResume } from './resume-plan.ts';

const configured = (name: string, generation: number) => ({
  stream: { name, json_schema: {}, supported_sync_modes: ['incremental' as const] },
  sync_mode: 'incremental' as const,
  destination_sync_mode: 'append_dedup' as const,
  generation_id: generation,
});
const catalog: ConfiguredAirbyteCatalog = { streams: [configured('customers', 0), configured('invoices', 2), configured('charges', 0)] };
const saved = (name: string, cursor: number): AirbyteStateMessage => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name }, stream_state: { cursor } },
  sourceStats: { recordCount: 3 },
  destinationStats: { recordCount: 3 },
});

describe('planResume', () => {
  it("sets each resumed stream's resume_state_hash to the hash of its saved state and generation", () => {
    const plan = planResume(catalog, [saved('customers', 5), saved('invoices', 7), saved('gone', 1)], new Set());
    expect(plan.resumed).toEqual(['customers', 'invoices']);
    expect(plan.catalog.streams.map((s) => s.resume_state_hash)).toEqual([
      stateHash(saved('customers', 5), [0]),
      stateHash(saved('invoices', 7), [2]),
      undefined,
    ]);
    // A state of a stream outside the catalog is still handed to the source, as before.
    expect(plan.state).toHaveLength(3);
  });

  it('drops the states of streams to read again, and keeps the others', () => {
    const plan = planResume(catalog, [saved('customers', 5), saved('invoices', 7)], new Set(['customers']));
    expect(plan.state).toEqual([saved('invoices', 7)]);
    expect(plan.resumed).toEqual(['invoices']);
    expect(plan.catalog.streams[0]!.resume_state_hash).toBeUndefined();
  });

  it('hands GLOBAL and LEGACY states over without a hash', () => {
    const legacy: AirbyteStateMessage = { data: { cursor: 1 } };
    const plan = planResume(catalog, [legacy], new Set(['customers']));
    expect(plan.state).toEqual([legacy]);
    expect(plan.resumed).toEqual([]);
    expect(plan.catalog.streams.every((s) => s.resume_state_hash === undefined)).toBe(true);
  });
});
