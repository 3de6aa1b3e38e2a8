/**
 * Exactly-once effect of the Postgres destination under crashes: faker → destination-postgres piped
 * by hand (the engine's role played by this test), the destination SIGKILLed at 20 random points.
 * After each kill the test resumes from the last state it "persisted" and runs to the end; the tables
 * must then equal the source with no duplicates, in append mode as in append_dedup.
 *
 * Half of the kills also drop the last acknowledgement, as if the engine died before saving it: the
 * destination has committed that batch, the source replays it, and the replay guard must skip it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '@sync/protocol';
import { fakeCustomer, hash32 } from '../packages/source-faker/src/index.ts';
import { repoRoot } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const fakerBin = join(repoRoot, 'packages/source-faker/bin/source-faker.js');
const destinationBin = join(repoRoot, 'packages/destination-postgres/bin/destination-postgres.js');
const faker = { count: 300, streams: 2, state_every: 20, record_bytes: 300 };
const STREAMS = ['customers', 'customers_2'];
const STATES_PER_RUN = STREAMS.length * Math.ceil(faker.count / faker.state_every);

/** A small seeded PRNG, so that a failing kill point can be reproduced from the printed seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function catalogFor(mode: 'append' | 'append_dedup'): ConfiguredAirbyteCatalog {
  return {
    streams: STREAMS.map((name) => ({
      stream: {
        name,
        json_schema: { type: 'object', properties: { id: { type: 'string' }, updated: { type: 'integer', format: 'unix-time' }, balance: { type: 'integer' } } },
        supported_sync_modes: ['incremental'],
        default_cursor_field: ['updated'],
        source_defined_primary_key: [['id']],
      },
      sync_mode: 'incremental',
      destination_sync_mode: mode,
      cursor_field: ['updated'],
    })),
  };
}

/**
 * One engine run: faker read (from `states`) piped into destination write. Each acknowledged STATE
 * is "persisted" into `states`, until `killAfterAcks` acks have been seen: then the destination is
 * SIGKILLed, and with `loseLastAck` that last ack is not persisted.
 */
async function run(dir: string, files: { config: string; catalog: string; dest: string }, states: Map<string, AirbyteMessage>, kill?: { afterAcks: number; loseLastAck: boolean }): Promise<{ killed: boolean; code: number | null }> {
  const statePath = join(dir, `state-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(statePath, JSON.stringify([...states.values()].map((m) => (m.type === 'STATE' ? m.state : undefined))));
  const source = spawn(process.execPath, [fakerBin, 'read', '--config', files.config, '--catalog', files.catalog, '--state', statePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  const destination = spawn(process.execPath, [destinationBin, 'write', '--config', files.dest, '--catalog', files.catalog], { stdio: ['pipe', 'pipe', 'pipe'] });
  destination.stdin.on('error', () => {});
  source.stdout.pipe(destination.stdin);
  const exited = new Promise<number | null>((resolve) => destination.on('exit', (code) => resolve(code)));
  let acks = 0;
  let killed = false;
  for await (const line of createInterface({ input: destination.stdout })) {
    if (killed || line.trim() === '') continue;
    const message = JSON.parse(line) as AirbyteMessage;
    if (message.type !== 'STATE') continue;
    acks++;
    const last = kill && acks === kill.afterAcks;
    if (!(last && kill.loseLastAck)) states.set(message.state.stream!.stream_descriptor.name, message);
    if (last) {
      destination.kill('SIGKILL');
      source.kill('SIGKILL');
      killed = true;
    }
  }
  const code = await exited;
  if (!killed) await new Promise((resolve) => (source.exitCode === null ? source.on('exit', resolve) : resolve(undefined)));
  return { killed, code };
}

async function crashAndResume(mode: 'append' | 'append_dedup', seeds: number[]): Promise<void> {
  for (const seed of seeds) {
    const pick = random(seed);
    const schema = freshSchema('crash');
    const dir = await mkdtemp(join(tmpdir(), 'pg-crash-'));
    const files = { config: join(dir, 'faker.json'), catalog: join(dir, 'catalog.json'), dest: join(dir, 'dest.json') };
    await writeFile(files.config, JSON.stringify({ ...faker, seed }));
    await writeFile(files.catalog, JSON.stringify(catalogFor(mode)));
    await writeFile(files.dest, JSON.stringify({ url: databaseUrl(), schema, batch_size: 1 + Math.floor(pick() * 50) }));
    const states = new Map<string, AirbyteMessage>();
    const kill = { afterAcks: 1 + Math.floor(pick() * (STATES_PER_RUN - 1)), loseLastAck: pick() < 0.5 };
    const crashed = await run(dir, files, states, kill);
    expect(crashed.killed, `seed ${seed}`).toBe(true);
    const resumed = await run(dir, files, states);
    expect(resumed.code, `seed ${seed}`).toBe(0);

    for (const stream of STREAMS) {
      const rows = await query<{ id: string; raw: Record<string, unknown> }>(`select id, _raw_data as raw from "${schema}"."${stream}" order by id`);
      const expected = Array.from({ length: faker.count }, (_, i) => fakeCustomer(hash32(`${seed}/${stream}`), i, faker.record_bytes))
        .map((raw) => ({ id: String(raw.id), raw }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(rows.length, `seed ${seed} ${mode} ${stream}: kill after ${kill.afterAcks} acks, lost ack ${kill.loseLastAck}`).toBe(faker.count);
      expect(rows, `seed ${seed} ${stream}`).toEqual(expected);
    }
    await query(`drop schema "${schema}" cascade`);
  }
}

it('append: after a SIGKILL at 10 random points and a resume, the tables equal the source, no duplicates', async () => {
  await crashAndResume('append', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}, 120_000);

it('append_dedup: after a SIGKILL at 10 random points and a resume, the tables equal the source', async () => {
  await crashAndResume('append_dedup', [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
}, 120_000);
