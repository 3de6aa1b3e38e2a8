/**
 * The client against a real `sync serve` server (`startServer`, API only) on the test Postgres: problem
 * answers become one-line errors, and a run's event stream cut by the network (a TCP relay between
 * client and server that drops the connection) is resumed with `?after=` without a gap or a repeat.
 * The run's events are written through the store, as a worker writes them.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { generateSecretKey, secretKeySource, StateStore } from '@sync/state-postgres';
import { startServer, type RunningServer } from '@sync/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ApiError, createSyncClient, followRunEvents, type RunEvent } from './index.ts';

const token = randomBytes(24).toString('base64url');
const schema = `api_client_${randomBytes(4).toString('hex')}`;

/**
 * A TCP relay to `port`. `cut(n, seen)` is asked after each chunk from the server on the n-th
 * connection (1-based) with the text seen so far on it; true drops the connection before that chunk
 * reaches the client.
 */
async function startRelay(port: number, cut: (n: number, seen: string) => boolean): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const n = requests.length + 1;
    requests.push('');
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.on('data', (chunk: Buffer) => {
      if (requests[n - 1] === '') requests[n - 1] = chunk.toString('latin1').split('\r\n')[0]!;
      upstream.write(chunk);
    });
    let seen = '';
    upstream.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (cut(n, seen)) {
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

describe('the API client against sync serve', () => {
  let store: StateStore;
  let server: RunningServer;

  beforeAll(async () => {
    const url = inject('databaseUrl');
    store = await StateStore.open({ url, schema, secretKeys: secretKeySource({ value: generateSecretKey(), file: '/nonexistent/secret.key' }) });
    server = await startServer({ store, databaseUrl: url, directory: { builtins: { source: {}, destination: {} } }, workers: 0, port: 0, token, log: () => {} });
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  /** A pipeline and a queued run in the store, with `events` already written (seq 1, 2, …). */
  async function runWithEvents(events: Record<string, unknown>[]): Promise<string> {
    const service = store.service();
    const id = `p-${randomBytes(4).toString('hex')}`;
    await service.createPipeline({ id, source: { name: 'faker', config: {} }, destination: { name: 'postgres', config: {} } });
    const run = await service.enqueueRun(id, 'sync', {});
    await service.appendRunEvents(run.id, events.map((event, i) => ({ seq: i + 1, event })));
    return run.id;
  }

  it('turns problem answers into one-line errors: status, detail and each invalid field', async () => {
    const client = createSyncClient({ baseUrl: server.url, token });
    const missing = await client.GET('/pipelines/{id}', { params: { path: { id: 'no-such-pipeline' } } }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, type: '/problems/not-found', message: '404 pipeline "no-such-pipeline" does not exist' });

    const invalid = await client.POST('/pipelines', { body: { id: 'Not An Id', source: { name: '', config: {} }, destination: { name: 'postgres', config: {} } } }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ApiError);
    const { status, errors, message } = invalid as ApiError;
    expect(status).toBe(400);
    expect(errors.map((e) => e.path).sort()).toEqual(['/id', '/source/name']);
    expect(message).toMatch(/^400 /);
    for (const e of errors) expect(message).toContain(`${e.path}: ${e.message}`);

    const wrongToken = createSyncClient({ baseUrl: server.url, token: 'not-the-token-of-this-server' });
    await expect(wrongToken.GET('/pipelines')).rejects.toThrow("401 the bearer token is not this server's token");
    await expect(followRunEvents(server.url, token, 'no-such-run').next()).rejects.toMatchObject({ status: 404 });
  });

  it('says which server it cannot reach', async () => {
    const relay = await startRelay(1, () => true);
    await relay.close();
    await expect(createSyncClient({ baseUrl: relay.url, token }).GET('/pipelines')).rejects.toThrow(`cannot reach the sync server at ${relay.url}`);
  });

  it('resumes a dropped event stream after the last event it got, to run_finished', async () => {
    const events = [
      { type: 'run_created' },
      ...Array.from({ length: 6 }, (_, i) => ({ type: 'records_read', stream: 'customers', total_read: (i + 1) * 100 })),
      { type: 'run_finished', status: 'succeeded', error: null, streams: {} },
    ];
    const runId = await runWithEvents(events);
    // The first connection drops as the fourth event comes, the second as the seventh.
    const relay = await startRelay(server.port, (n, seen) => (n === 1 && seen.includes('"seq":4,')) || (n === 2 && seen.includes('"seq":7,')));
    try {
      const got: RunEvent[] = [];
      for await (const event of followRunEvents(relay.url, token, runId, { retryDelayMs: 1 })) got.push(event);
      expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(got.map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(relay.requests).toHaveLength(3);
      const afters = relay.requests.map((line) => Number(/[?&]after=(\d+)/.exec(line)?.[1]));
      expect(afters[0]).toBe(0);
      // Each retry starts after the last event the client had whole: never before it, never past the cut.
      expect(afters[1]).toBeGreaterThanOrEqual(0);
      expect(afters[1]).toBeLessThan(4);
      expect(afters[2]).toBeGreaterThanOrEqual(afters[1]!);
      expect(afters[2]).toBeLessThan(7);
    } finally {
      await relay.close();
    }
  });

  it('gives up after the attempts it was allowed, naming the seq to resume from', async () => {
    const runId = await runWithEvents([{ type: 'run_created' }]);
    const relay = await startRelay(server.port, () => true);
    try {
      const follow = followRunEvents(relay.url, token, runId, { attempts: 2, retryDelayMs: 1 });
      await expect(follow.next()).rejects.toThrow(`lost the events of run ${runId} after seq 0, 2 reconnections brought nothing`);
      expect(relay.requests).toHaveLength(3);
    } finally {
      await relay.close();
    }
  });
});
