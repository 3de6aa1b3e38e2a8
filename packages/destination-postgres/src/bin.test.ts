import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage } from '@sync/protocol';
import { catalogOf, configuredStream, ndjson, randomSchema, recordLine, rowsOf, stateLine } from './test-support.ts';

const bin = fileURLToPath(new URL('../bin/destination-postgres.js', import.meta.url));
const url = inject('databaseUrl');
const schema = randomSchema();
let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: url });
  dir = await mkdtemp(join(tmpdir(), 'dest-pg-bin-'));
});
afterAll(async () => {
  await pool.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  await pool.end();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the bin as a child process with `stdin`; resolves when it exits. */
function run(args: string[], stdin = ''): Promise<{ code: number | null; output: AirbyteMessage[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const output = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AirbyteMessage);
      resolve({ code, output, stderr });
    });
    child.stdin.end(stdin);
  });
}

async function files(config: unknown, catalog: unknown): Promise<string[]> {
  const configPath = join(dir, `config-${Math.random()}.json`);
  const catalogPath = join(dir, `catalog-${Math.random()}.json`);
  await writeFile(configPath, JSON.stringify(config));
  await writeFile(catalogPath, JSON.stringify(catalog));
  return ['--config', configPath, '--catalog', catalogPath];
}

describe('bin/destination-postgres.js', () => {
  it('prints its spec with the url marked secret', async () => {
    const { code, output } = await run(['spec']);
    expect(code).toBe(0);
    const spec = output[0];
    expect(spec?.type).toBe('SPEC');
    if (spec?.type !== 'SPEC') return;
    expect(spec.spec.connectionSpecification).toMatchObject({
      properties: { url: { airbyte_secret: true }, schema: { default: 'stripe' }, batch_size: { default: 10000 } },
      required: ['url'],
    });
  });

  it('checks a reachable database', async () => {
    const [, configPath] = await files({ url, schema }, { streams: [] });
    const { code, output } = await run(['check', '--config', configPath!]);
    expect(code).toBe(0);
    expect(output).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
  });

  it('writes records from stdin and acknowledges the state', async () => {
    const args = await files({ url, schema }, catalogOf(configuredStream('customers')));
    const input = ndjson([
      recordLine('customers', { id: 'cus_1', updated: 2, email: 'a@example.com' }),
      recordLine('customers', { id: 'cus_1', updated: 1, email: 'old@example.com' }),
      stateLine('customers', 2, 2),
    ]);
    const { code, output, stderr } = await run(['write', ...args], input);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(output.filter((m) => m.type === 'STATE')).toEqual([
      { ...stateLine('customers', 2, 2), state: { ...(stateLine('customers', 2, 2) as { state: object }).state, destinationStats: { recordCount: 2 } } },
    ]);
    expect(await rowsOf(pool, schema, 'customers')).toEqual([{ key: 'cus_1', data: { id: 'cus_1', updated: 2, email: 'a@example.com' } }]);
  });

  it("stores each record's data as the source wrote it, tabs and escapes included, with the same typed columns", async () => {
    const stream = configuredStream('customers');
    const typed = { ...stream, stream: { ...stream.stream, json_schema: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'number' }, name: { type: 'string' }, updated: { type: 'integer' } } } } };
    const args = await files({ url, schema }, catalogOf(typed));
    // Not what JSON.stringify writes: `1.0`, an escaped é, an integer past 2^53, tab and CR between tokens, a backslash.
    const line = (data: string) => `{"type":"RECORD","record":{"stream":"customers","data":${data},"emitted_at":1}}\n`;
    const input =
      line('{"id":"cus_a","amount":1.0,"name":"Zo\\u00eb \\\\ \\"q\\"","updated":1}') +
      line('{"id":"cus_b",\t"amount" :\r12345678901234567890, "name":"b","updated":2}') +
      ndjson([stateLine('customers', 2, 2)]);
    const { code, stderr } = await run(['write', ...args], input);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { rows } = await pool.query(
      `select id, amount::text, name, updated, _raw_data::text as raw from ${pg.escapeIdentifier(schema)}.customers where id in ('cus_a', 'cus_b') order by id`,
    );
    expect(rows).toEqual([
      { id: 'cus_a', amount: '1', name: 'Zoë \\ "q"', updated: '1', raw: '{"id": "cus_a", "name": "Zoë \\\\ \\"q\\"", "amount": 1.0, "updated": 1}' },
      { id: 'cus_b', amount: '12345678901234567000', name: 'b', updated: '2', raw: '{"id": "cus_b", "name": "b", "amount": 12345678901234567890, "updated": 2}' },
    ]);
  });

  it('fails, saying where, for a record line that repeats its "data" key (the text kept is not one JSON value)', async () => {
    const args = await files({ url, schema }, catalogOf(configuredStream('customers')));
    const input = `{"type":"RECORD","record":{"stream":"customers","data":{"id":"cus_x"},"data":{"id":"cus_y"},"emitted_at":1}}\n${ndjson([stateLine('customers', 3, 1)])}`;
    const { code, output, stderr } = await run(['write', ...args], input);
    expect(code).toBe(1);
    expect(output.filter((m) => m.type === 'STATE')).toEqual([]);
    // The table already holds rows from the tests above, so the record goes through the staging table.
    expect(stderr).toMatch(/invalid input syntax for type json \(COPY \w+, line 1, column _raw_data\)/);
    expect(stderr).not.toContain('cus_y');
  });

  it('exits 1 with a config_error TRACE for a record of an unknown stream', async () => {
    const args = await files({ url, schema }, catalogOf(configuredStream('customers')));
    const { code, output, stderr } = await run(['write', ...args], ndjson([recordLine('charges', { id: 'ch_1' })]));
    expect(code).toBe(1);
    expect(output).toMatchObject([{ type: 'TRACE', trace: { type: 'ERROR', error: { failure_type: 'config_error' } } }]);
    expect(stderr).toContain("record for stream 'charges'");
  });
});
