/**
 * The fault matrix's harness (e2e/fault-matrix-*.test.ts): one case is a fault × a destination sync
 * mode, run through the real `sync` CLI, the Stripe source against its emulator, and the Postgres
 * destination. A case starts a run, waits until it is mid-way (an event, never a sleep), strikes
 * (kills a process, injects HTTP faults, restarts Postgres), and then checks the two promises of
 * docs/reliability.md:
 *
 * - right after the faulty run, the saved state is never ahead of the data: every object a saved
 *   STATE claims (`claimedBy` of the Stripe source's test support) is in the table; in `append`, no
 *   record is committed that no acknowledged STATE covers; a failed `overwrite` leaves the previous
 *   table;
 * - after the next clean run, the tables equal the emulator: by id with the served `_raw_data` and
 *   `_deleted` false (`append_dedup`, `overwrite`), or in `append` one row per record version: the
 *   distinct (id, `_raw_data`) are the current objects plus the older versions served, none twice.
 */
import pg from 'pg';
import { expect, vi } from 'vitest';
import { canonicalJson } from '@sync/protocol';
import type { StripeStreamState } from '@sync/source-stripe';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { claimedBy } from '../../packages/source-stripe/src/test-support.ts';
import { CaseRun, STREAMS, type DestinationMode, type RunOutcome } from './case-run.ts';
import { cliEnv, startCli } from './cli.ts';
import { databaseUrl, freshSchema } from './database.ts';
import { sql } from './pg-cluster.ts';
import { API_KEY, startEmulator } from './stripe.ts';

/**
 * Time a case may take, ms: two or three runs of a few seconds each, slower on a loaded machine
 * (vitest's default of 60 s is too tight when the whole suite shares two cores).
 */
export const CASE_TIMEOUT_MS = 180_000;

/** Every destination sync mode the matrix covers, in the order the tests list them. */
export const MODES: readonly DestinationMode[] = ['append', 'append_dedup', 'overwrite'];

/** Objects per stream: a few hundred, so a case takes seconds. */
const OBJECTS_PER_STREAM = 250;

/**
 * Small pages (a STATE after each, so many checkpoints) at a modest rate, so a run lasts long enough
 * to be struck mid-way whatever the load.
 */
const SOURCE_CONFIG = { page_size: 5, requests_per_second: 60 };

interface TableRow {
  id: string;
  raw: Record<string, unknown>;
  deleted: boolean;
}

/**
 * One case of the matrix: its own emulator (seeded, a few hundred objects per stream), its own
 * pipeline and schema, and what it changed in the emulator since the first run (the older versions
 * an `append` table keeps).
 */
export class FaultCase {
  readonly mode: DestinationMode;
  readonly emulator: StripeEmulator;
  readonly schema: string;
  readonly #databaseUrl: string;
  /** Versions of objects the emulator served before they were updated, by stream. */
  readonly #olderVersions = new Map<string, Record<string, unknown>[]>();
  /** In `overwrite`, the tables as the first clean run left them, which a failed run must leave alone. */
  #previousTables: Map<string, TableRow[]> | undefined;

  private constructor(mode: DestinationMode, emulator: StripeEmulator, databaseUrl: string) {
    this.mode = mode;
    this.emulator = emulator;
    this.#databaseUrl = databaseUrl;
    this.schema = freshSchema(`fm_${mode}`);
  }

  /**
   * A new case. In `overwrite`, a first clean run loads the tables and some customers change, so that
   * a failed overwrite has tables to leave alone and new data it must not swap in.
   */
  static async start(mode: DestinationMode, databaseUrl: string, seed: string): Promise<FaultCase> {
    const emulator = await startEmulator({ objects: 0, counts: Object.fromEntries(STREAMS.map((s) => [s, OBJECTS_PER_STREAM])), seed, latencyMs: 5 });
    const fault = new FaultCase(mode, emulator, databaseUrl);
    if (mode === 'overwrite') {
      const first = await fault.cleanRun();
      expect(first.exitCode, first.stderr).toBe(0);
      fault.#previousTables = new Map();
      for (const stream of STREAMS) fault.#previousTables.set(stream, await fault.#rows(stream));
      await fault.changeObjects();
    }
    return fault;
  }

  /** Starts `sync run` of this case's pipeline with JSON logs on stderr and `flags` added. */
  startRun(flags: readonly string[] = []): CaseRun {
    const args = [
      'run', '--source', 'stripe', '--dest', 'postgres', '--pipeline', this.schema,
      '--streams', STREAMS.join(','), '--dest-mode', this.mode,
      '--source-config', JSON.stringify(SOURCE_CONFIG), '--dest-config', JSON.stringify({ schema: this.schema }),
      '--log-format', 'json', '--log-level', 'debug', ...flags,
    ];
    const env = cliEnv({ DATABASE_URL: this.#databaseUrl, STRIPE_API_KEY: API_KEY, STRIPE_BASE_URL: this.emulator.url });
    return new CaseRun(startCli(args, env), this.mode, this.emulator);
  }

  /** A run with no fault (the faults left in the emulator are dropped first). */
  async cleanRun(): Promise<RunOutcome> {
    this.emulator.clearFaults();
    return this.startRun().outcome();
  }

  /** The last acknowledged state of each stream, as the engine saved it. */
  async savedStates(): Promise<Map<string, StripeStreamState>> {
    const rows = await sql<{ stream: string; state: StripeStreamState }>(
      this.#databaseUrl,
      "select stream, state->'stream'->'stream_state' as state from sync.stream_states where pipeline_id = $1",
      [this.schema],
    );
    return new Map(rows.map((row) => [row.stream, row.state]));
  }

  /**
   * Checks, right after a faulty run, that what was saved is never ahead of what was committed: every
   * object the saved state of a stream claims is in its table. When the run failed, also: in
   * `append`, every row is covered by a checkpoint the destination committed (nothing after the last
   * STATE it acknowledged was committed); in `overwrite`, the tables are those of the previous run.
   */
  async expectStateNotAheadOfData(failed: boolean): Promise<void> {
    const states = await this.savedStates();
    for (const stream of STREAMS) {
      const state = states.get(stream);
      if (!state) continue;
      const claimed = claimedBy(state, this.emulator.objects(stream));
      const ids = new Set((await this.#rows(stream)).map((row) => row.id));
      expect([...claimed].filter((id) => !ids.has(id)), `${stream}: claimed by the saved state, missing from the table`).toEqual([]);
    }
    if (!failed) return;
    if (this.mode === 'append') {
      for (const stream of STREAMS) {
        if (!(await this.#tableExists(stream))) continue;
        const [counts] = await sql<{ rows: number; covered: number }>(
          this.#databaseUrl,
          `select (select count(*)::int from "${this.schema}"."${stream}") as rows,
                  (select coalesce(sum(record_count), 0)::int from "${this.schema}"."_sync_checkpoints" where stream = $1) as covered`,
          [stream],
        );
        expect(counts!.rows, `${stream}: rows committed past the last checkpoint`).toBe(counts!.covered);
      }
    }
    if (this.mode === 'overwrite') {
      for (const stream of STREAMS) expect(await this.#rows(stream), `${stream}: a failed overwrite changed the table`).toEqual(this.#previousTables!.get(stream));
    }
  }

  /**
   * Changes the emulator between runs, as users do: updates two customers the saved state claims (so
   * the next read sees their new version by events only, once) and creates one. The versions
   * replaced are kept: an `append` table holds them too.
   */
  async changeObjects(): Promise<void> {
    const state = (await this.savedStates()).get('customers');
    const served = this.emulator.objects('customers');
    const claimed = state ? claimedBy(state, served) : new Set<string>();
    const customers = served.filter((object) => this.mode === 'overwrite' || claimed.has(object.id as string));
    const chosen = customers.slice(-2);
    for (const [index, customer] of chosen.entries()) {
      const older = this.#olderVersions.get('customers') ?? [];
      older.push(structuredClone(customer));
      this.#olderVersions.set('customers', older);
      this.emulator.update('customers', customer.id as string, { name: `Changed ${index} in ${this.schema}`, metadata: { fault_matrix: this.schema } });
    }
    this.emulator.create('customers', { email: `new@${this.schema}.example` });
  }

  /**
   * Checks the tables against the emulator after a successful run: by id, `_raw_data` equal to what
   * it serves and `_deleted` false (`append_dedup`, `overwrite`); in `append`, distinct (id,
   * `_raw_data`) equal to its objects plus the older versions it served, and no version twice.
   */
  async expectTablesEqualEmulator(): Promise<void> {
    for (const stream of STREAMS) {
      const served = this.emulator.objects(stream);
      const rows = await this.#rows(stream);
      if (this.mode !== 'append') {
        expect(rows, stream).toEqual(served.map((raw) => ({ id: raw.id as string, raw, deleted: false })).sort(byId));
        continue;
      }
      const versions = (list: readonly { id: string; raw: Record<string, unknown> }[]) => list.map((row) => `${row.id} ${canonicalJson(row.raw)}`);
      const counts = new Map<string, number>();
      for (const version of versions(rows)) counts.set(version, (counts.get(version) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n > 1).map(([version]) => version.slice(0, 80)), `${stream}: record versions stored twice`).toEqual([]);
      const expected = [...served, ...(this.#olderVersions.get(stream) ?? [])].map((raw) => ({ id: raw.id as string, raw }));
      expect([...counts.keys()].sort(), `${stream}: distinct (id, _raw_data)`).toEqual(versions(expected).sort());
      expect(rows.every((row) => !row.deleted), `${stream}: rows flagged deleted`).toBe(true);
    }
  }

  /**
   * The next clean run after a fault: changes the emulator (`changeObjects`), runs without faults,
   * expects it to succeed and the tables to equal the emulator.
   */
  async recover(): Promise<RunOutcome> {
    await this.changeObjects();
    const clean = await this.cleanRun();
    expect(clean.exitCode, clean.stderr).toBe(0);
    await this.expectTablesEqualEmulator();
    return clean;
  }

  /**
   * Holds every table of the case's schema (an ACCESS EXCLUSIVE lock in a transaction of the test's
   * own), and resolves once the destination waits on it: its next commit hangs, as on a busy database,
   * while the engine goes on forwarding. `release()` lets it go on.
   */
  async holdWrites(): Promise<{ release(): Promise<void> }> {
    const client = new pg.Client({ connectionString: this.#databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ name: string }>("select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname = $1", [this.schema]);
    // The destination's commit locks some of these tables in its own order: Postgres may pick this
    // transaction as the loser of a deadlock. Then the destination's commit went through; take the
    // tables again, for its next one.
    for (;;) {
      await client.query('begin');
      try {
        await client.query(`lock table ${rows.map((r) => r.name).join(', ')} in access exclusive mode`);
        break;
      } catch (error) {
        await client.query('rollback');
        if ((error as { code?: string }).code !== '40P01') throw error;
      }
    }
    await vi.waitFor(
      async () => {
        const [waiting] = await sql<{ n: number }>(
          this.#databaseUrl,
          'select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and not l.granted',
          [this.schema],
        );
        expect(waiting!.n, 'the destination waits on the held tables').toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 50 },
    );
    return {
      release: async () => {
        await client.query('commit');
        await client.end();
      },
    };
  }

  /** The statuses of this pipeline's runs, oldest first, with their errors. */
  async runs(): Promise<{ status: string; error: string | null }[]> {
    return sql(this.#databaseUrl, 'select status, error from sync.runs where pipeline_id = $1 order by started_at', [this.schema]);
  }

  async close(): Promise<void> {
    await this.emulator.close();
  }

  async #tableExists(stream: string): Promise<boolean> {
    const [row] = await sql<{ exists: boolean }>(this.#databaseUrl, 'select to_regclass($1) is not null as exists', [`"${this.schema}"."${stream}"`]);
    return row!.exists;
  }

  /** The rows of a stream's table (none when it does not exist), ordered by id (code points, as `byId`). */
  async #rows(stream: string): Promise<TableRow[]> {
    if (!(await this.#tableExists(stream))) return [];
    const rows = await sql<TableRow>(this.#databaseUrl, `select id, _raw_data as raw, _deleted as deleted from "${this.schema}"."${stream}" order by _synced_at`);
    return rows.sort(byId);
  }
}

/**
 * Runs `body` on a new case (`FaultCase.start`) of `mode` seeded with `seed`, on `url` (the shared
 * test database unless given), and closes it whatever happens.
 */
export async function withFaultCase(mode: DestinationMode, seed: string, body: (fault: FaultCase) => Promise<void>, url: string = databaseUrl()): Promise<void> {
  const fault = await FaultCase.start(mode, url, seed);
  try {
    await body(fault);
  } finally {
    await fault.close();
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
