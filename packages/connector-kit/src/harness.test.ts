/**
 * The connector CLI harness, driven as a process would drive it: argv, stdin, stdout and stderr as
 * streams, files for --config/--catalog/--state.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configureCatalog, encodeMessage, type AirbyteCatalog, type AirbyteMessage, type MessageOf } from '@sync/protocol';
import { errorTrace, estimate, log, record, streamState, streamStatus } from './builders.ts';
import type { Connector, Destination, Source } from './connector.ts';
import { ConnectorError } from './errors.ts';
import { runConnector } from './harness.ts';

const Config = z.object({
  api_key: z.string().startsWith('sk_').meta({ airbyte_secret: true }),
  fail_after: z.number().int().optional(),
  fail_with: z.enum(['transient', 'plain']).optional(),
});
type Config = z.infer<typeof Config>;

const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object' },
      supported_sync_modes: ['full_refresh', 'incremental'],
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
    },
  ],
};

const source: Source<Config> = {
  name: 'source-tiny',
  configSchema: Config,
  check: async (config) =>
    config.api_key === 'sk_revoked' ? { status: 'FAILED', message: 'the API key was revoked' } : { status: 'SUCCEEDED' },
  discover: async () => catalog,
  read: async function* ({ config, catalog: configured, state }) {
    for (const { stream } of configured.streams) {
      const from = Number(state.get(stream.name)?.created ?? 0);
      yield log('INFO', `reading ${stream.name} from ${from}`);
      for (let i = 1; i <= 3; i++) {
        if (config.fail_after !== undefined && i > config.fail_after) {
          if (config.fail_with === 'plain') throw new Error('unexpected null in page');
          throw new ConnectorError('Stripe rate limit hit; retry later', {
            failureType: 'transient_error',
            stream: stream.name,
            cause: new Error('429 Too Many Requests'),
          });
        }
        yield record(stream.name, { id: `cus_${from + i}`, created: from + i }, 1);
      }
      yield streamState(stream.name, { created: from + 3 }, 3);
    }
  },
};

const received: AirbyteMessage[] = [];
const destination: Destination<{ url: string }> = {
  name: 'destination-tiny',
  configSchema: z.object({ url: z.string() }),
  supportedSyncModes: ['append', 'append_dedup'],
  check: async () => ({ status: 'SUCCEEDED' }),
  write: async function* ({ messages }) {
    let committed = 0;
    for await (const message of messages) {
      received.push(message);
      if (message.type === 'RECORD') committed++;
      if (message.type === 'STATE') {
        yield { type: 'STATE', state: { ...message.state, destinationStats: { recordCount: committed } } };
        committed = 0;
      }
    }
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protocol-harness-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
async function file(value: unknown): Promise<string> {
  const path = join(dir, `f${++files}.json`);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function run(connector: Connector<never>, argv: string[], stdin: string[] = []) {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runConnector(connector as Connector<unknown>, { argv, stdin: Readable.from(stdin), stdout, stderr });
  const messages = stdout.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AirbyteMessage);
  return { code, messages, stderr: stderr.text };
}

function only<T extends AirbyteMessage['type']>(messages: AirbyteMessage[], type: T): MessageOf<T>[] {
  return messages.filter((m): m is MessageOf<T> => m.type === type);
}

const tinySource = source as unknown as Connector<never>;
const tinyDestination = destination as unknown as Connector<never>;

describe('runConnector: spec and check', () => {
  it('spec prints one SPEC message and exits 0', async () => {
    const { code, messages, stderr } = await run(tinySource, ['spec']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      type: 'SPEC',
      spec: { connectionSpecification: { properties: { api_key: { airbyte_secret: true } } } },
    });
  });

  it('check reports SUCCEEDED for a good config', async () => {
    const { code, messages } = await run(tinySource, ['check', '--config', await file({ api_key: 'sk_ok' })]);
    expect(code).toBe(0);
    expect(messages).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
  });

  it('check reports FAILED, naming the field, for an invalid config', async () => {
    const config = await file({ api_key: 'pk_wrong' });
    const { code, messages } = await run(tinySource, ['check', '--config', config]);
    expect(code).toBe(0);
    const [status] = only(messages, 'CONNECTION_STATUS');
    expect(status?.connectionStatus.status).toBe('FAILED');
    expect(status?.connectionStatus.message).toContain(`invalid config in ${config}: api_key:`);
  });

  it('check reports FAILED for a config file that is not JSON, and the connector’s own FAILED', async () => {
    const broken = await run(tinySource, ['check', '--config', await file('{nope')]);
    expect(only(broken.messages, 'CONNECTION_STATUS')[0]?.connectionStatus.message).toMatch(/is not valid JSON/);
    const revoked = await run(tinySource, ['check', '--config', await file({ api_key: 'sk_revoked' })]);
    expect(revoked.messages).toEqual([
      { type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: 'the API key was revoked' } },
    ]);
  });

  it('discover prints the catalog', async () => {
    const { code, messages } = await run(tinySource, ['discover', '--config', await file({ api_key: 'sk_ok' })]);
    expect(code).toBe(0);
    expect(messages).toEqual([{ type: 'CATALOG', catalog }]);
  });
});

describe('runConnector: read', () => {
  it('emits the messages of the read and exits 0', async () => {
    const args = ['read', '--config', await file({ api_key: 'sk_ok' }), '--catalog', await file(configureCatalog(catalog))];
    const { code, messages, stderr } = await run(tinySource, args);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(messages.map((m) => m.type)).toEqual(['LOG', 'RECORD', 'RECORD', 'RECORD', 'STATE']);
    expect(only(messages, 'RECORD').map((m) => m.record.data.id)).toEqual(['cus_1', 'cus_2', 'cus_3']);
    expect(only(messages, 'STATE')[0]?.state).toMatchObject({ stream: { stream_state: { created: 3 } }, sourceStats: { recordCount: 3 } });
  });

  it('hands the source the state given with --state', async () => {
    const state = [streamState('customers', { created: 10 }, 3).state];
    const args = [
      'read',
      '--config', await file({ api_key: 'sk_ok' }),
      '--catalog', await file(configureCatalog(catalog)),
      '--state', await file(state),
    ];
    const { code, messages } = await run(tinySource, args);
    expect(code).toBe(0);
    expect(only(messages, 'RECORD').map((m) => m.record.data.id)).toEqual(['cus_11', 'cus_12', 'cus_13']);
  });

  it('turns an error thrown mid-read into a TRACE ERROR with its failure_type, one stderr line and exit 1', async () => {
    const args = ['read', '--config', await file({ api_key: 'sk_ok', fail_after: 1 }), '--catalog', await file(configureCatalog(catalog))];
    const { code, messages, stderr } = await run(tinySource, args);
    expect(code).toBe(1);
    expect(messages.map((m) => m.type)).toEqual(['LOG', 'RECORD', 'TRACE']);
    expect(only(messages, 'TRACE')[0]?.trace).toMatchObject({
      type: 'ERROR',
      error: {
        message: 'Stripe rate limit hit; retry later',
        failure_type: 'transient_error',
        internal_message: '429 Too Many Requests',
        stream_descriptor: { name: 'customers' },
      },
    });
    expect(stderr).toBe('source-tiny: transient_error: Stripe rate limit hit; retry later\n');
  });

  it('reports an unexpected error as system_error with its stack trace', async () => {
    const args = [
      'read',
      '--config', await file({ api_key: 'sk_ok', fail_after: 0, fail_with: 'plain' }),
      '--catalog', await file(configureCatalog(catalog)),
    ];
    const { code, messages, stderr } = await run(tinySource, args);
    expect(code).toBe(1);
    const error = only(messages, 'TRACE')[0]?.trace.error;
    expect(error).toMatchObject({ message: 'unexpected null in page', failure_type: 'system_error' });
    expect(error?.stack_trace).toContain('unexpected null in page');
    expect(stderr.split('\n').filter(Boolean)).toEqual(['source-tiny: system_error: unexpected null in page']);
  });

  it('fails with config_error when --catalog is missing or invalid', async () => {
    const config = await file({ api_key: 'sk_ok' });
    const missing = await run(tinySource, ['read', '--config', config]);
    expect(missing.code).toBe(1);
    expect(only(missing.messages, 'TRACE')[0]?.trace.error).toMatchObject({ message: 'missing --catalog FILE', failure_type: 'config_error' });
    const invalid = await run(tinySource, ['read', '--config', config, '--catalog', await file({ streams: [{}] })]);
    expect(invalid.code).toBe(1);
    expect(only(invalid.messages, 'TRACE')[0]?.trace.error?.message).toMatch(/^invalid configured catalog in .*streams\.0\.stream/);
  });
});

describe('runConnector: write', () => {
  it('hands the destination the decoded stdin messages and prints its acknowledged states', async () => {
    received.length = 0;
    const checkpoint = streamState('customers', { created: 2 }, 2);
    const input = [record('customers', { id: 'cus_1' }, 1), record('customers', { id: 'cus_2' }, 1), checkpoint];
    // Split lines across chunks, as a pipe would.
    const text = input.map(encodeMessage).join('');
    const stdin = [text.slice(0, 17), text.slice(17, 90), text.slice(90)];
    const args = ['write', '--config', await file({ url: 'postgres://x' }), '--catalog', await file(configureCatalog(catalog))];
    const { code, messages } = await run(tinyDestination, args, stdin);
    expect(code).toBe(0);
    expect(received).toEqual(input);
    expect(messages.filter((m) => m.type !== 'LOG')).toEqual([
      { type: 'STATE', state: { ...checkpoint.state, destinationStats: { recordCount: 2 } } },
    ]);
  });

  it('fails on a malformed stdin line, naming its line number', async () => {
    received.length = 0;
    const stdin = [encodeMessage(record('customers', { id: 'cus_1' }, 1)), '\n', '{"type":"RECORD", oops}\n'];
    const args = ['write', '--config', await file({ url: 'postgres://x' }), '--catalog', await file(configureCatalog(catalog))];
    const { code, messages, stderr } = await run(tinyDestination, args, stdin);
    expect(code).toBe(1);
    expect(received).toHaveLength(1);
    const error = only(messages, 'TRACE')[0]?.trace.error;
    expect(error?.message).toMatch(/^stdin: line 3: not valid JSON .*"\{\\"type\\":\\"RECORD\\", oops\}"$/);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toContain('stdin: line 3');
  });

  it('fails on a stdin message of an unknown type', async () => {
    const args = ['write', '--config', await file({ url: 'postgres://x' }), '--catalog', await file(configureCatalog(catalog))];
    const { code, messages } = await run(tinyDestination, args, ['{"type":"BANANA"}\n']);
    expect(code).toBe(1);
    expect(only(messages, 'TRACE')[0]?.trace.error?.message).toMatch(/^stdin: line 1: unknown message type "BANANA"/);
  });
});

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

  it('keeps the abort when the destination swallows the error: later reads throw again, its states are dropped, exit 1', async () => {
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
        if (last) yield last;
      },
    };
    const { code, messages } = await write(sloppy as unknown as Connector<never>, [
      record('customers', { id: 'cus_1' }, 1),
      streamState('customers', { created: 1 }, 1),
      upstreamFailure,
    ]);
    expect(code).toBe(1);
    expect(rereads).toEqual(['InputAborted']);
    expect(messages.map((m) => m.type)).toEqual(['LOG', 'TRACE']);
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

describe('runConnector: command line', () => {
  it('--help prints usage on stderr and exits 0', async () => {
    const { code, messages, stderr } = await run(tinySource, ['--help']);
    expect(code).toBe(0);
    expect(messages).toEqual([]);
    expect(stderr).toMatch(/^Usage: source-tiny <command>/);
    expect(stderr).toContain('read     --config FILE --catalog FILE [--state FILE]');
    const dest = await run(tinyDestination, ['-h']);
    expect(dest.code).toBe(0);
    expect(dest.stderr).toContain('write    --config FILE --catalog FILE');
  });

  it('no command prints usage and exits 2', async () => {
    const { code, stderr } = await run(tinySource, []);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: source-tiny/);
  });

  it('an unknown option exits 2 naming it', async () => {
    const { code, stderr } = await run(tinySource, ['spec', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^source-tiny: .*--bogus/);
  });

  it('an unknown command is a usage error (exit 2, one stderr line), as is a source command on a destination', async () => {
    const unknown = await run(tinySource, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.messages).toEqual([]);
    expect(unknown.stderr).toBe('source-tiny: unknown command "frobnicate" (run with --help for the commands)\n');
    const discover = await run(tinyDestination, ['discover', '--config', await file({ url: 'x' })]);
    expect(discover.code).toBe(2);
    expect(discover.stderr).toContain('unknown command "discover"');
  });
});
