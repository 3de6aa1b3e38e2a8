/**
 * Bad input gets one clear error line, a non-zero exit, and loses no committed state.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { runArgs, startEmulator, stripeEnv } from './support/stripe.ts';

const scriptedSource = `node ${join(repoRoot, 'e2e/fixtures/scripted-source.mjs')}`;

/** The lines of stderr that say "error". */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /error/i.test(l));

async function savedStates(pipeline: string) {
  return query<{ stream: string; state: unknown }>(
    'select stream, state from sync.stream_states where pipeline_id = $1 order by stream',
    [pipeline],
  );
}

describe('bad input against the Stripe emulator', () => {
  let emulator: StripeEmulator;
  const schema = freshSchema();

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 600, seed: 'bad-input' });
    const first = await runCli(runArgs(schema), stripeEnv(emulator));
    expect(first.exitCode).toBe(0);
  });
  afterAll(() => emulator?.close());

  it('a wrong API key is a config error and keeps the committed state', async () => {
    const before = await savedStates(schema);
    expect(before.length).toBe(emulator.resources.length);
    const result = await runCli(runArgs(schema), stripeEnv(emulator, { STRIPE_API_KEY: 'sk_test_wrong' }));
    expect(result.exitCode).toBe(1);
    const errors = errorLines(result.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^sync: error: source-stripe: .*API key/i);
    expect(await savedStates(schema)).toEqual(before);
  });

  it('an unreachable base_url names the URL', async () => {
    const result = await runCli(runArgs(schema), stripeEnv(emulator, { STRIPE_BASE_URL: 'http://127.0.0.1:9' }));
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^sync: error: .*127\.0\.0\.1:9/)]);
  });

  it('a DATABASE_URL that points at nothing says so', async () => {
    const result = await runCli(
      runArgs(schema),
      stripeEnv(emulator, { DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:9/nothing' }),
    );
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^sync: error: .*127\.0\.0\.1:9/)]);
    expect(result.stderr).not.toContain('secret');
  });
});

describe('bad output from a source', () => {
  const record = (id: string) => JSON.stringify({ type: 'RECORD', record: { stream: 'widgets', data: { id, updated: 1 }, emitted_at: 1 } });
  const state = (n: number) =>
    JSON.stringify({
      type: 'STATE',
      state: { type: 'STREAM', stream: { stream_descriptor: { name: 'widgets' }, stream_state: { n } }, sourceStats: { recordCount: 1 } },
    });

  async function runScripted(pipeline: string, lines: string[]) {
    const schema = freshSchema();
    return runCli(
      [
        'run', '--source', scriptedSource, '--dest', 'postgres', '--pipeline', pipeline,
        '--source-config', JSON.stringify({ streams: ['widgets'], lines }),
        '--dest-config', JSON.stringify({ schema }),
      ],
      cliEnv({ DATABASE_URL: databaseUrl() }),
    );
  }

  it('a malformed NDJSON line names the connector, the line number and a snippet; earlier states stay', async () => {
    const pipeline = freshSchema('p');
    const result = await runScripted(pipeline, [record('w1'), state(1), record('w2'), '{"type": "RECORD", "record": {oops']);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(/^sync: error: node .*scripted-source\.mjs: line 4: not valid JSON .*"\{\\"type\\": \\"RECORD\\", \\"record\\": \{oops"$/),
    ]);
    const states = await savedStates(pipeline);
    expect(states.map((s) => (s.state as { stream: { stream_state: unknown } }).stream.stream_state)).toEqual([{ n: 1 }]);
  });

  it('a RECORD for a stream not in the catalog is refused with its line number', async () => {
    const pipeline = freshSchema('p');
    const stray = JSON.stringify({ type: 'RECORD', record: { stream: 'gadgets', data: { id: 'g1' }, emitted_at: 1 } });
    const result = await runScripted(pipeline, [record('w1'), state(1), stray]);
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([
      expect.stringMatching(/^sync: error: .*line 3: record for stream 'gadgets', which is not in the configured catalog \(streams: widgets\)/),
    ]);
    expect((await savedStates(pipeline)).length).toBe(1);
  });

  it('a source that exits non-zero fails the run with its exit code', async () => {
    const pipeline = freshSchema('p');
    const schema = freshSchema();
    const result = await runCli(
      [
        'run', '--source', scriptedSource, '--dest', 'postgres', '--pipeline', pipeline,
        '--source-config', JSON.stringify({ streams: ['widgets'], lines: [record('w1'), state(1)], exit_code: 3 }),
        '--dest-config', JSON.stringify({ schema }),
      ],
      cliEnv({ DATABASE_URL: databaseUrl() }),
    );
    expect(result.exitCode).toBe(1);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/scripted-source\.mjs exited with code 3/)]);
    expect((await savedStates(pipeline)).length).toBe(1);
  });
});
