/**
 * The connector CLI harness, driven as a process would drive it: argv, stdin, stdout and stderr as
 * streams, files for --config/--catalog/--state. A destination's input abort and end of input are in
 * input-abort.test.ts; the test connectors and helpers in harness-test-support.ts.
 */
import { describe, expect, it } from 'vitest';
import { configureCatalog, encodeMessage } from '@sync/protocol';
import { record, streamState } from './builders.ts';
import { catalog, only, received, run, tinyDestination, tinySource, useTempFiles } from './harness-test-support.ts';

const file = useTempFiles();

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
