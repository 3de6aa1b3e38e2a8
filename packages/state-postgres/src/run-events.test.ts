import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect, it } from 'vitest';
import { RUN_EVENTS_CHANNEL } from './run-events.ts';
import { StateStore } from './state-store.ts';
import { storeForTests } from './test-support/store-for-tests.ts';

const db = storeForTests('test_run_events');
const { url, schema } = db;

async function newRun(): Promise<string> {
  const pipeline = `p-${randomBytes(4).toString('hex')}`;
  await db.store.ensurePipeline({ id: pipeline, source: 'source-stripe', destination: 'destination-postgres' });
  return (await db.service.enqueueRun(pipeline, 'sync', {})).id;
}
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, event: { type: 'log', message: `line ${from + i}` } }));

it('stores events in batches and reads them in order, after a number and up to a limit', async () => {
  const run = await newRun();
  await db.service.appendRunEvents(run, events(1, 3));
  await db.service.appendRunEvents(run, events(4, 5));
  await db.service.appendRunEvents(run, []);
  const all = await db.service.listRunEvents(run);
  expect(all.map((e) => [e.seq, e.event])).toEqual(events(1, 5).map((e) => [e.seq, e.event]));
  expect(all.every((e) => e.at instanceof Date)).toBe(true);
  expect((await db.service.listRunEvents(run, { after: 3 })).map((e) => e.seq)).toEqual([4, 5]);
  expect((await db.service.listRunEvents(run, { after: 1, limit: 2 })).map((e) => e.seq)).toEqual([2, 3]);
  expect(await db.service.listRunEvents(run, { after: 5 })).toEqual([]);
  // Another run's events are its own.
  expect(await db.service.listRunEvents(await newRun())).toEqual([]);
});

it('refuses a number stored already (the whole batch) and an unknown run', async () => {
  const run = await newRun();
  await db.service.appendRunEvents(run, events(1, 2));
  await expect(db.service.appendRunEvents(run, events(2, 3))).rejects.toThrow(new RegExp(`^cannot store events 2..3 of run ${run}: one of these numbers is stored already`));
  expect((await db.service.listRunEvents(run)).map((e) => e.seq)).toEqual([1, 2]);
  await expect(db.service.appendRunEvents('no-such-run', events(1, 1))).rejects.toThrow('cannot store events of run no-such-run: no such run in the state store');
});

it('notifies listeners of each stored batch with the run id, and stops when closed', async () => {
  const run = await newRun();
  const heard: string[] = [];
  let wake = () => {};
  const listener = await db.service.listen([RUN_EVENTS_CHANNEL, 'sync_other_channel'], (channel, payload) => {
    if (payload !== run) return; // other test files share the database's channels
    heard.push(channel);
    wake();
  });
  const next = () => new Promise<void>((resolve) => (wake = resolve));
  try {
    let arrived = next();
    await db.service.appendRunEvents(run, events(1, 2));
    await arrived;
    arrived = next();
    await db.service.appendRunEvents(run, events(3, 3));
    await arrived;
    expect(heard).toEqual([RUN_EVENTS_CHANNEL, RUN_EVENTS_CHANNEL]);
    // A failed batch is not announced: the notification goes with the insert. The next one is.
    await expect(db.service.appendRunEvents(run, events(3, 3))).rejects.toThrow(/stored already/);
    arrived = next();
    await db.service.appendRunEvents(run, events(4, 4));
    await arrived;
    expect(heard).toHaveLength(3);
  } finally {
    await listener.close();
  }
  await listener.close();
});

it('says when it cannot listen, reports a listening connection that fails, and listens again on a new one', async () => {
  await expect(db.service.listen([''], () => {})).rejects.toThrow(/^state store at .*: cannot listen on : /);

  let reported = (_error: Error) => {};
  const failure = new Promise<Error>((resolve) => (reported = resolve));
  const watched = await StateStore.open({ url, schema, onConnectionError: (error) => reported(error) });
  try {
    const channel = `sync_test_${randomBytes(4).toString('hex')}`;
    const heard: string[] = [];
    let onHeard = () => {};
    const listener = await watched.service().listen([channel], (_c, payload) => {
      heard.push(payload);
      onHeard();
    });
    // The server ends the listening session (a restart, an administrator): the store says so.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`]);
      expect((await failure).message).toMatch(new RegExp(`^state store at .*: the connection listening on ${channel} failed: .*; reopening it$`));
      // Reopened: notifications arrive again. Notify until one is heard (the new LISTEN may not be in yet).
      const again = new Promise<void>((resolve) => (onHeard = resolve));
      let n = 0;
      let stop = false;
      const sending = (async () => {
        while (!stop && n < 200) {
          await client.query('SELECT pg_notify($1, $2)', [channel, `after-${n++}`]);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await again;
      stop = true;
      await sending;
      expect(heard.some((p) => p.startsWith('after-'))).toBe(true);
    } finally {
      await client.end();
    }
    await listener.close();
  } finally {
    await watched.close();
  }
});
