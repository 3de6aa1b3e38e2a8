/**
 * A destination's input through the harness: a TRACE ERROR on its stdin (the source failed) aborts
 * the input, and a clean end of input is no licence to commit when the engine reading its output is gone.
 */
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { configureCatalog, encodeMessage, type AirbyteMessage, type MessageOf } from '@sync/protocol';
import { errorTrace, estimate, log, record, streamState, streamStatus } from './builders.ts';
import type { Connector, Destination } from './connector.ts';
import { runConnector } from './harness.ts';
import { Collect, catalog, destination, only, received, run, tinyDestination, useTempFiles } from './harness-test-support.ts';

const file = useTempFiles();

describe('runConnector: input abort (a TRACE ERROR on a destination’s stdin)', () => {
  const upstreamFailure = errorTrace('Stripe rate limit hit; retry later', { failureType: 'transient_error', stream: 'customers' });

  async function write(connector: Connector<never>, input: AirbyteMessage[]) {
    const args = ['write', '--config', await file({ url: 'postgres://x' }), '--catalog', await file(configureCatalog(catalog))];
    return run(connector, args, [input.map(encodeMessage).join('')]);
  }

  it('makes the input throw at the TRACE ERROR: only states before it are acknowledged, exit 1 with the upstream failure_type', async () => {
    received.length = 0;
    const first = streamState('customers', { created: 1 }, 1);
    const input = [
      record('customers', { id: 'cus_1' }, 1),
      first,
      record('customers', { id: 'cus_2' }, 1),
      upstreamFailure,
      streamState('customers', { created: 2 }, 1),
    ];
    const { code, messages, stderr } = await write(tinyDestination, input);
    expect(code).toBe(1);
    expect(received).toEqual(input.slice(0, 3));
    expect(messages.map((m) => m.type)).toEqual(['STATE', 'TRACE']);
    expect(only(messages, 'STATE')[0]?.state).toEqual({ ...first.state, destinationStats: { recordCount: 1 } });
    const error = only(messages, 'TRACE')[0]?.trace.error;
    expect(error).toMatchObject({ failure_type: 'transient_error', stream_descriptor: { name: 'customers' } });
    expect(error?.message).toMatch(/^input aborted: the source failed: Stripe rate limit hit; retry later\. Nothing after the last acknowledged STATE was committed/);
    expect(error?.stack_trace).toBeUndefined();
    expect(stderr).toMatch(/^destination-tiny: transient_error: input aborted: the source failed: Stripe rate limit hit/);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('keeps the abort when the destination swallows the error: later reads throw again, exit 1; of its STATEs only those it received before the abort pass', async () => {
    const rereads: string[] = [];
    const sloppy: Destination<{ url: string }> = {
      ...destination,
      name: 'destination-sloppy',
      write: async function* ({ messages }) {
        let last: MessageOf<'STATE'> | undefined;
        try {
          for await (const message of messages) if (message.type === 'STATE') last = message;
        } catch {
          // A destination that treats any input error as the end of input, and acknowledges its last state.
        }
        try {
          for await (const message of messages) rereads.push(message.type);
        } catch (error) {
          rereads.push((error as Error).name);
        }
        yield log('INFO', 'committing what I have');
        // A STATE the source never sent: dropped.
        yield streamState('customers', { created: 99 }, 1);
        // The last STATE it received, before the abort (a group commit holds such states): passed.
        if (last) yield { ...last, state: { ...last.state, destinationStats: { recordCount: 1 } } };
      },
    };
    const { code, messages } = await write(sloppy as unknown as Connector<never>, [
      record('customers', { id: 'cus_1' }, 1),
      streamState('customers', { created: 1 }, 1),
      upstreamFailure,
    ]);
    expect(code).toBe(1);
    expect(rereads).toEqual(['InputAborted']);
    expect(messages.map((m) => m.type)).toEqual(['LOG', 'STATE', 'TRACE']);
    expect(only(messages, 'STATE')[0]?.state.stream?.stream_state).toEqual({ created: 1 });
    expect(only(messages, 'TRACE')[0]?.trace.error).toMatchObject({ failure_type: 'transient_error', message: expect.stringMatching(/^input aborted: /) });
  });

  it('reports the abort, not what the destination threw while giving up', async () => {
    const wrapping: Destination<{ url: string }> = {
      ...destination,
      name: 'destination-wrapping',
      write: async function* ({ messages }) {
        try {
          for await (const message of messages) yield message;
        } catch {
          throw new Error('rollback failed');
        }
      },
    };
    const { code, messages } = await write(wrapping as unknown as Connector<never>, [upstreamFailure]);
    expect(code).toBe(1);
    expect(only(messages, 'TRACE').map((m) => m.trace.error?.message)).toEqual([expect.stringMatching(/^input aborted: the source failed: Stripe rate limit hit/)]);
  });

  it('defaults to system_error for a TRACE ERROR without failure_type', async () => {
    const { code, messages } = await write(tinyDestination, [
      { type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'source-x exited with code 137' } } },
    ]);
    expect(code).toBe(1);
    expect(only(messages, 'TRACE')[0]?.trace.error).toMatchObject({
      failure_type: 'system_error',
      message: expect.stringMatching(/^input aborted: the source failed: source-x exited with code 137\. /),
    });
  });

  it('passes STREAM_STATUS and ESTIMATE traces through and ends cleanly at EOF', async () => {
    received.length = 0;
    const input = [
      streamStatus('customers', 'STARTED'),
      estimate('customers', 10),
      record('customers', { id: 'cus_1' }, 1),
      streamState('customers', { created: 1 }, 1),
      streamStatus('customers', 'COMPLETE'),
    ];
    const { code, messages } = await write(tinyDestination, input);
    expect(code).toBe(0);
    expect(received).toEqual(input);
    expect(messages.map((m) => m.type)).toEqual(['STATE', 'LOG']);
  });
});

describe('runConnector: the end of input when the engine is gone', () => {
  /** A destination that, like ours, commits the records after the last STATE at a clean end of input. */
  const tail: string[] = [];
  const tailCommitting: Destination<{ url: string }> = {
    ...destination,
    write: async function* ({ messages }) {
      let pending: string[] = [];
      for await (const message of messages) {
        if (message.type === 'RECORD') pending.push(String(message.record.data.id));
        if (message.type === 'STATE') {
          yield message;
          pending = [];
        }
      }
      tail.push(...pending);
    },
  };

  /** A stdout whose reader has gone once stdin has ended: every write from then on fails with EPIPE. */
  class ReaderGoneAtEof extends Writable {
    gone = false;
    override _write(_chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
      done(this.gone ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null);
    }
  }

  async function write(stdout: Writable & { gone?: boolean }) {
    const input = [record('customers', { id: 'cus_1' }, 1), streamState('customers', { created: 1 }, 1), record('customers', { id: 'cus_2' }, 1)];
    const stdin = Readable.from([input.map(encodeMessage).join('')]);
    stdin.on('end', () => (stdout.gone = true));
    const args = ['write', '--config', await file({ url: 'postgres://x' }), '--catalog', await file(configureCatalog(catalog))];
    return runConnector(tailCommitting as unknown as Connector<unknown>, { argv: args, stdin, stdout, stderr: new Collect() });
  }

  it('commits nothing after the last STATE when its output can no longer be written (the engine was killed)', async () => {
    tail.length = 0;
    const stdout = new ReaderGoneAtEof();
    stdout.on('error', () => {}); // as main() does: EPIPE on stdout is expected when the reader is gone
    const code = await write(stdout);
    expect(code).toBe(1);
    expect(tail).toEqual([]);
  });

  it('commits the records after the last STATE at a clean end, with its reader there', async () => {
    tail.length = 0;
    const code = await write(new Collect());
    expect(code).toBe(0);
    expect(tail).toEqual(['cus_2']);
  });
});
