/**
 * The processes of the scale-out tests (issue 16), each a real `sync` command as an operator starts
 * it on a machine of its own: `sync worker`, `sync emulator stripe`. Each runs in a process group of
 * its own (spawned detached), so a test can SIGKILL a worker the way a lost machine would, and its
 * output is kept so the test can read what it said (which pipelines it ran) and show it on failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { EmulatorCounters } from '@sync/stripe-emulator';
import { cliEnv, repoRoot, syncBin } from './cli.ts';
import { running } from './processes.ts';

/** A `sync` command running in a process group of its own. */
export interface SyncProcess {
  /** Its pid, which is also its process group's id. */
  pid: number;
  /** Everything it printed so far, stdout then stderr. */
  output(): string;
  /**
   * The first match of `pattern` in its stderr, printed already or to come.
   * @throws Error with its output when it exits first.
   */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Its exit code once it exited (undefined when a signal ended it). */
  exited: Promise<number | undefined>;
  /** Sends `signal` to its whole process group (the CLI and anything it started in that group). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM to the group, then waits for the exit; once. Returns the exit code. */
  stop(): Promise<number | undefined>;
}

/**
 * Starts `sync <args>` detached (a new session: a process group of its own) with `env` and waits for
 * `ready` in its stderr.
 *
 * @throws Error with the command's output when it exits before `ready`.
 */
export async function startSync(args: readonly string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ process: SyncProcess; ready: RegExpMatchArray }> {
  const child = execa(process.execPath, [syncBin, ...args], { env, extendEnv: false, stdin: 'ignore', cwd: repoRoot, reject: false, buffer: false, detached: true });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(stderr);
      if (!match) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(match);
    }
  });
  const exited = child.then((result) => result.exitCode);
  const pid = child.pid!;
  const output = () => `${stdout}${stderr}`;
  const waitForOutput = (pattern: RegExp) => {
    const now = pattern.exec(stderr);
    if (now) return Promise.resolve(now);
    return Promise.race([
      new Promise<RegExpMatchArray>((resolve) => waiters.push({ pattern, resolve })),
      exited.then((code): never => {
        throw new Error(`sync ${args.join(' ')} exited (code ${String(code)}) before printing ${pattern}:\n${output()}`);
      }),
    ]);
  };
  const signal = (name: NodeJS.Signals) => {
    if (!running(pid)) return;
    try {
      process.kill(-pid, name);
    } catch {
      // The group is gone already.
    }
  };
  let stopped: Promise<number | undefined> | undefined;
  const process_: SyncProcess = {
    pid,
    output,
    waitForOutput,
    exited,
    signal,
    stop() {
      stopped ??= (async () => {
        signal('SIGTERM');
        return exited;
      })();
      return stopped;
    },
  };
  return { process: process_, ready: await waitForOutput(ready) };
}

/** Options of a `sync emulator stripe` process (its flags). */
export interface EmulatorProcessOptions {
  /** `--api-key`; default `sk_test_<24 random hex>`. */
  apiKey?: string;
  /** `--objects`: objects across all resources, split by weight (customers get 12/112 of them). */
  objects: number;
  /** `--seed` (a string, as the CLI passes it on: same seed and objects, same data). */
  seed: string;
  /** `--rate-limit`, GET requests per second (0: none). */
  rateLimit?: number;
  /** `--latency-ms` added to every answer. */
  latencyMs?: number;
  /** `--failure-rate`, share of GET requests answered 500. */
  failureRate?: number;
}

/** A running `sync emulator stripe`. */
export interface EmulatorProcess extends SyncProcess {
  url: string;
  apiKey: string;
  options: EmulatorProcessOptions;
  /** Its counters, from `GET /_emulator/counters` (requests, 429s sent for its rate limit, …). */
  counters(): Promise<EmulatorCounters>;
}

/** Starts `sync emulator stripe --port 0 …` and waits for its `listening on <url>` line. */
export async function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const apiKey = options.apiKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
  const args = ['emulator', 'stripe', '--port', '0', '--objects', String(options.objects), '--seed', options.seed, '--api-key', apiKey];
  if (options.rateLimit) args.push('--rate-limit', String(options.rateLimit));
  if (options.latencyMs) args.push('--latency-ms', String(options.latencyMs));
  if (options.failureRate) args.push('--failure-rate', String(options.failureRate));
  const started = await startSync(args, cliEnv({}), /listening on (http:\/\/[\w.:[\]]+?:\d+)/);
  const url = started.ready[1]!;
  return {
    ...started.process,
    url,
    apiKey,
    options,
    async counters() {
      const response = await fetch(`${url}/_emulator/counters`);
      if (!response.ok) throw new Error(`GET ${url}/_emulator/counters answered ${response.status}`);
      return (await response.json()) as EmulatorCounters;
    },
  };
}

/** Options of a `sync worker` process. */
export interface WorkerProcessOptions {
  /** Its DATABASE_URL: the one `sync serve` uses. */
  databaseUrl: string;
  /** SYNC_SECRET_KEY: the same key as every other process on the database (it opens stored configs). */
  secretKey: string;
  /** `--concurrency`; default 1. */
  concurrency?: number;
  /** `--retry-delay`; default the CLI's (30s). */
  retryDelay?: string;
  /** More environment (PATH with test connectors, …). */
  env?: Record<string, string | undefined>;
}

/** A running `sync worker`. */
export interface WorkerProcess extends SyncProcess {
  /**
   * The pipelines whose Stripe runs it started, in order, one entry per run started (a run taken
   * over shows again on the worker that took it): read from its debug lines `pipeline <id>: Stripe
   * requests of … go through …`, which it prints as each run starts.
   */
  pipelinesStarted(): string[];
  /** Stops it (SIGTERM) and removes its SYNC_HOME. */
  stop(): Promise<number | undefined>;
}

/** Starts `sync worker --log-level debug …` and waits for its `taking runs from the queue` line. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const home = await mkdtemp(join(tmpdir(), 'sync-worker-e2e-'));
  const args = ['worker', '--concurrency', String(options.concurrency ?? 1), '--log-level', 'debug'];
  if (options.retryDelay) args.push('--retry-delay', options.retryDelay);
  const env = cliEnv({ DATABASE_URL: options.databaseUrl, SYNC_HOME: home, SYNC_SECRET_KEY: options.secretKey, ...options.env });
  let started: Awaited<ReturnType<typeof startSync>>;
  try {
    started = await startSync(args, env, /taking runs from the queue/);
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  const worker = started.process;
  let stopped: Promise<number | undefined> | undefined;
  return {
    ...worker,
    pipelinesStarted: () => [...worker.output().matchAll(/pipeline ([\w-]+): Stripe requests of \S+ go through/g)].map((m) => m[1]!),
    stop() {
      stopped ??= (async () => {
        const code = await worker.stop();
        await rm(home, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}

/** A random SYNC_SECRET_KEY (32 bytes, hex) for every process of one test's database. */
export function newSecretKey(): string {
  return randomBytes(32).toString('hex');
}
