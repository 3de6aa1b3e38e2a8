/**
 * `sync serve` runs pipelines (issue 14, "must show"): a pipeline created through the API, a run
 * started and followed on its NDJSON event stream to the end, and the destination's tables equal the
 * Stripe emulator's objects; a run cancelled mid-run keeps its committed state, the next run resumes
 * from it and the tables end exact; a second start while a run is queued or running is a 409; the
 * audit log names who did each change. Real HTTP to the real `sync serve` process, real Postgres,
 * the Stripe emulator; then no secret in anything the server said (api-secrets.ts).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiRun, RunEvent } from './support/api-client.ts';
import { API_STREAMS, startApiHarness, type ApiHarness } from './support/api-harness.ts';
import { searchForSecrets } from './support/api-secrets.ts';
import { freshSchema } from './support/database.ts';
import { servedRows } from './support/stripe.ts';

/** A saved state as `GET /pipelines/{id}/state` lists it (an Airbyte STREAM state). */
interface StreamState {
  stream: { stream_descriptor: { name: string }; stream_state: unknown };
}

let h: ApiHarness;
const mainSchema = freshSchema('api_main');
const cancelSchema = freshSchema('api_cancel');

beforeAll(async () => {
  h = await startApiHarness({ objects: 200, counts: { customers: 400, products: 150 }, seed: 'api-runs' });
});
afterAll(() => h?.close());

/** The destination's rows of each synced stream equal the emulator's objects, exactly (ids and JSON). */
async function expectTablesExact(schema: string): Promise<void> {
  for (const stream of API_STREAMS) {
    const served = servedRows(h.emulator, stream);
    expect(served.length, stream).toBeGreaterThan(0);
    expect(await h.db.tableRows(schema, stream), stream).toEqual(served);
  }
}

/**
 * Events are numbered 1, 2, … without a gap and end with exactly one run_finished, whose status is
 * `status` (the message shows every event but the progress ones, to say why when it is not).
 */
function expectFinished(events: RunEvent[], status: ApiRun['status']): RunEvent {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'run_finished')).toHaveLength(1);
  const last = events.at(-1)!;
  const story = events.filter((e) => e.type !== 'checkpoint' && e.type !== 'records_read').map((e) => JSON.stringify(e)).join('\n');
  expect([last.type, last.status], story).toEqual(['run_finished', status]);
  return last;
}

it('creates a pipeline, runs it and follows its events to the end: the tables equal the emulator', async () => {
  const created = await h.client.post('/pipelines', h.pipelineBody('main', mainSchema));
  expect(created.status, created.text).toBe(201);
  expect(created.headers.get('location')).toBe('/pipelines/main');
  expect(created.body).toMatchObject({ id: 'main', config_stored: true, streams: API_STREAMS.map((name) => ({ name })), last_run: null });

  const queued = await h.client.startRun('main');
  expect(queued).toMatchObject({ pipeline_id: 'main', kind: 'sync', status: 'queued' });
  const events = await h.client.followEvents(queued.id);
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['run_created', 'run_started', 'stream_status', 'checkpoint', 'run_finished']));
  const finished = expectFinished(events, 'succeeded');
  expect(finished.error).toBeNull();

  await expectTablesExact(mainSchema);
  const run = await h.client.get<ApiRun>(`/runs/${queued.id}`);
  expect(run.status).toBe(200);
  expect(run.body).toMatchObject({ id: queued.id, status: 'succeeded', error: null });
  for (const stream of API_STREAMS) {
    const count = h.emulator.objects(stream).length;
    const expected = { records_read: count, records_committed: count };
    expect(run.body.streams[stream], stream).toMatchObject(expected);
    expect((finished.streams as ApiRun['streams'])[stream], stream).toMatchObject(expected);
  }
  const listed = await h.client.get<{ data: ApiRun[] }>('/pipelines/main/runs');
  expect(listed.body.data.map((r) => [r.id, r.status])).toEqual([[queued.id, 'succeeded']]);
});

it('a cancel mid-run keeps the committed state; the next run resumes from it and the tables end exact; a second start while one is active is a 409', async () => {
  // Small pages, one request at a time; every next page (`starting_after`) waits until the cancel, so
  // the run is still reading when the first checkpoint is seen, however fast the machine is.
  const created = await h.client.post('/pipelines', h.pipelineBody('cancel', cancelSchema, { page_size: 10, max_concurrency: 1 }));
  expect(created.status, created.text).toBe(201);
  h.emulator.inject({ delayMs: 10 * 60_000, count: 1_000_000, when: ({ method, query }) => method === 'GET' && query.starting_after !== undefined });

  const first = await h.client.startRun('cancel');
  const again = await h.client.post('/pipelines/cancel/runs', {});
  expect(again.status).toBe(409);
  expect(again.headers.get('content-type')).toBe('application/problem+json');
  expect(again.body).toMatchObject({ type: '/problems/run-in-progress', status: 409, instance: '/pipelines/cancel/runs', request_id: expect.any(String) });
  expect(again.body.detail).toContain(first.id);

  let cancel: Promise<unknown> | undefined;
  const events = await h.client.followEvents(first.id, (event) => {
    if (event.type === 'checkpoint' && !cancel) cancel = h.client.post<ApiRun>(`/runs/${first.id}/cancel`);
  });
  expect(await cancel).toMatchObject({ status: 202, body: { id: first.id, cancel_requested_at: expect.any(String) } });
  expectFinished(events, 'cancelled');
  const cancelled = await h.client.get<ApiRun>(`/runs/${first.id}`);
  expect(cancelled.body).toMatchObject({ status: 'cancelled', cancel_requested_at: expect.any(String) });
  const committed = Object.values(cancelled.body.streams).reduce((n, s) => n + s.records_committed, 0);
  expect(committed).toBeGreaterThan(0);
  expect(committed).toBeLessThan(API_STREAMS.reduce((n, s) => n + h.emulator.objects(s).length, 0));
  expect((await h.client.post(`/runs/${first.id}/cancel`)).status).toBe(409);

  // Every state the destination acknowledged is kept, and its records are in the tables.
  const state = await h.client.get<{ states: StreamState[] }>('/pipelines/cancel/state');
  expect(state.status).toBe(200);
  expect(state.body.states.length).toBeGreaterThan(0);
  const kept = state.body.states.map((s) => s.stream.stream_descriptor.name);
  for (const stream of kept) expect((await h.db.tableRows(cancelSchema, stream)).length, stream).toBeGreaterThan(0);

  h.emulator.clearFaults();
  const second = await h.client.startRun('cancel');
  const resumedEvents = await h.client.followEvents(second.id);
  const started = resumedEvents.find((e) => e.type === 'run_started');
  expect(started?.resumed).toEqual(expect.arrayContaining(kept));
  expect((started?.resumed as string[]).length).toBeGreaterThan(0);
  expectFinished(resumedEvents, 'succeeded');
  await expectTablesExact(cancelSchema);
  const runs = await h.client.get<{ data: ApiRun[] }>('/pipelines/cancel/runs');
  expect(runs.body.data.map((r) => [r.id, r.status])).toEqual([[second.id, 'succeeded'], [first.id, 'cancelled']]);
});

it('the audit log names the token for every change: created, run started and cancelled, state reset, deleted', async () => {
  const reset = await h.client.request('DELETE', '/pipelines/cancel/state?stream=customers');
  expect(reset.status, reset.text).toBe(200);
  expect(reset.body).toEqual({ streams_reset: 1 });
  const left = await h.client.get<{ states: StreamState[] }>('/pipelines/cancel/state');
  expect(left.body.states.map((s) => s.stream.stream_descriptor.name)).not.toContain('customers');
  expect((await h.client.request('DELETE', '/pipelines/main')).status).toBe(204);
  expect((await h.client.get('/pipelines/main')).status).toBe(404);

  const audit = await h.client.get<{ data: { actor: string; action: string; target_type: string; target_id: string; details: Record<string, unknown> }[] }>('/audit');
  expect(audit.status).toBe(200);
  const actor = `token:${createHash('sha256').update(h.server.token).digest('hex').slice(0, 12)}`;
  expect(new Set(audit.body.data.map((e) => e.actor))).toEqual(new Set([actor]));
  // Newest first.
  const actions = audit.body.data.map((e) => `${e.action} ${e.target_type === 'run' ? (e.details.pipeline_id as string) : e.target_id}`).reverse();
  expect(actions).toEqual([
    'pipeline.created main',
    'run.started main',
    'pipeline.created cancel',
    'run.started cancel',
    'run.cancelled cancel',
    'run.started cancel',
    'state.reset cancel',
    'pipeline.deleted main',
  ]);
  expect(audit.body.data.find((e) => e.action === 'state.reset')?.details).toMatchObject({ stream: 'customers', streams_reset: 1 });
});

it('no secret in any answer, in the server log, or in a pg_dump of the database', async () => {
  await h.server.stop();
  const { leaks, dump } = await searchForSecrets(h);
  expect(leaks).toEqual([]);
  // The search read what it had to: the stored pipeline, the runs' events, the destination's rows.
  expect(h.client.received.length).toBeGreaterThan(10);
  expect(dump).toContain('run.cancelled');
  expect(dump).toContain('run_finished');
  expect(dump).toContain(String(h.emulator.objects('customers')[0]!.id));
});
