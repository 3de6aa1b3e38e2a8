/**
 * Every request has a deadline (request_timeout_ms): a server that never answers, one that answers
 * a byte at a time forever, and a body that stalls half way are abandoned at the deadline and
 * retried like a connection reset; a read through such faults still ends exact.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sync/connector-kit';
import { startStripeEmulator } from '@sync/stripe-emulator';
import { createStripeClient } from './client.ts';
import { createStripeSource } from './source.ts';
import { catalogOf, recordsOf, run } from './test-support.ts';

const policy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10, unreachableAttempts: 2 };
/** A deadline short enough for a quick test, long enough for a loaded machine to answer within it. */
const config = (base_url: string, request_timeout_ms = 1_000) => ({ api_key: 'sk_test_x', base_url, page_size: 10, max_concurrency: 4, request_timeout_ms, webhook_tolerance_seconds: 300, requests_per_second: 1000 });

const LIST = JSON.stringify({ object: 'list', data: [], has_more: false, url: '/v1/customers' });

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * A TCP server whose `n`th connection (from 0) is handled by `behave`: it may stay silent (a
 * half-open connection looks the same to the client), trickle, or answer.
 */
async function tcpServer(behave: (socket: Socket, n: number) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => behave(socket, connections++));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

function answer(socket: Socket): void {
  socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${LIST.length}\r\n\r\n${LIST}`);
}

describe('request deadline', () => {
  it('abandons a request that gets no answer, retries it, and gives up with a transient_error', async () => {
    const silent = await tcpServer(() => {});
    const client = createStripeClient(config(silent.url, 200), { retry: policy });
    const error = await client.list('/v1/customers', { limit: 10 }, 'customers').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ failureType: 'transient_error', stream: 'customers', message: expect.stringMatching(/after 3 attempts \(GET \/v1\/customers: no complete answer within request_timeout_ms \(200 ms\)\)/) });
    expect(silent.connections()).toBe(3);
  });

  it('abandons an answer that trickles in forever (a socket that is never idle)', async () => {
    const trickle = await tcpServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n`);
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(' ')), 20);
      socket.once('close', () => clearInterval(timer));
    });
    const client = createStripeClient(config(trickle.url, 200), { retry: policy });
    await expect(client.list('/v1/customers', { limit: 10 })).rejects.toMatchObject({ failureType: 'transient_error', message: expect.stringMatching(/request_timeout_ms/) });
  });

  it('retries a request that timed out, and takes the answer of the next attempt', async () => {
    const flaky = await tcpServer((socket, n) => (n < 2 ? undefined : answer(socket)));
    const client = createStripeClient(config(flaky.url), { retry: policy });
    await expect(client.list('/v1/customers', { limit: 10 })).resolves.toMatchObject({ data: [], has_more: false });
    expect(flaky.connections()).toBe(3);
  });

  it('reads exactly through pages that never come and bodies that stall half way', async () => {
    const emulator = await startStripeEmulator({ objects: 0, counts: { customers: 300, charges: 200 }, seed: 'timeouts' });
    try {
      emulator.inject({ delayMs: 600_000, count: 2, path: '/v1/customers', when: ({ query }) => query.starting_after !== undefined });
      emulator.inject({ stallBodyMs: 600_000, count: 2, path: '/v1/charges' });
      const source = createStripeSource({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 10, unreachableAttempts: 2 }, requestsPerSecond: 1_000 });
      const settings = { api_key: 'sk_test_emulator', base_url: emulator.url, page_size: 50, max_concurrency: 4, request_timeout_ms: 1_000 };
      const { code, messages } = await run(source, 'read', { config: settings, catalog: catalogOf(['customers', 'charges']) });
      expect(code).toBe(0);
      for (const stream of ['customers', 'charges']) {
        expect(recordsOf(messages, stream).map((r) => r.id).sort(), stream).toEqual(emulator.objects(stream).map((o) => o.id).sort());
      }
      // Both kinds of fault were served (and timed out), not skipped.
      expect(emulator.requests.filter((r) => r.path === '/v1/customers' && r.query.starting_after !== undefined).length).toBeGreaterThan(2);
    } finally {
      await emulator.close();
    }
  }, 30_000);
});
