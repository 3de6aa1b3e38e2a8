/**
 * A running connector: spawned (`node:child_process`) in a process group of its own, its stdout decoded as
 * protocol messages, its stderr kept as tagged free text (Airbyte protocol: only stdout carries
 * messages; stderr is free text the engine captures and tags). The one way this repository starts a
 * connector: the engine's runs, its one-shot calls (call-connector.ts) and the conformance suite
 * (`@sync/connector-test`) all go through `spawnConnector`, so the same environment allow-list,
 * process groups, output caps and time limit apply to each.
 *
 * Untrusted output costs bounded memory: a stdout line longer than `maxLineBytes` (default 64 MiB)
 * fails with a ProtocolError naming the connector and line number; a stderr line is cut at
 * `maxStderrLineBytes` (default 8 KiB) with a marker, and only the last 20 are kept.
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { DEFAULT_MAX_LINE_BYTES, parseMessage, readLineBatches, type AirbyteMessage, type LineBatch } from '@sync/protocol';
import { boundedLines, DEFAULT_MAX_STDERR_LINE_BYTES } from './bounded-lines.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { signalGroup, trackGroup } from './process-groups.ts';
import { connectorEnvironment } from './connector-env.ts';

/** One non-blank line of a connector's stdout, as received. */
export interface StdoutLine {
  /** 1-based line number on the connector's stdout (blank lines count). */
  lineNumber: number;
  /** The line as received, without its newline, for forwarding unchanged. */
  line: string;
}

/** One protocol message as read from a connector's stdout. */
export interface ConnectorLine extends StdoutLine {
  message: AirbyteMessage;
}

/**
 * True for a stdout line that is not meant as a message at all: it does not start with `{`. Older
 * Airbyte connectors print such lines (banners, library output); the Airbyte platform logs them, and so
 * do we. A line that starts with `{` must be a valid message.
 */
export function isNonProtocolLine(line: string): boolean {
  return line.charCodeAt(0) !== 0x7b && !line.trimStart().startsWith('{');
}

/**
 * The message of one stdout line of `connector`: an INFO LOG for a non-protocol line (see
 * `isNonProtocolLine`), else the parsed message.
 *
 * @throws ProtocolError when the line looks like JSON but is not a valid message.
 */
export function messageOf(line: string, lineNumber: number, connector: string): AirbyteMessage {
  return isNonProtocolLine(line) ? { type: 'LOG', log: { level: 'INFO', message: line } } : parseMessage(line, lineNumber, connector);
}

export interface ConnectorExit {
  /** Exit code, or undefined when killed by a signal. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** True when the process outlived `SpawnOptions.timeoutMs` and was killed for it. */
  timedOut: boolean;
}

export interface ConnectorProcess {
  command: ConnectorCommand;
  /**
   * Messages from stdout, in order. Iterating pulls from the pipe, so a slow consumer slows the
   * connector. A line that is not JSON at all comes as an INFO LOG (see `isNonProtocolLine`); a line
   * that looks like JSON but is not a valid message throws ProtocolError (connector name, line number,
   * snippet); so does a line longer than `maxLineBytes`.
   */
  lines: AsyncIterable<ConnectorLine>;
  /**
   * The same stdout lines, not decoded, for a caller that judges them itself (the conformance suite
   * checks them against Airbyte's schema). Iterate `lines` or `rawLines`, never both: they read one
   * pipe. A line longer than `maxLineBytes` throws ProtocolError.
   */
  rawLines: AsyncIterable<StdoutLine>;
  /**
   * The same stdout lines, not decoded, a batch per chunk read with the bytes they came in, for a
   * caller that forwards them (the engine's pipe from source to destination; decode each line with
   * `messageOf`). Iterate only one of `lines`, `rawLines` and `batches`.
   */
  batches: AsyncIterable<LineBatch>;
  /** The connector's stdin, when it was opened with `stdin: 'pipe'`. */
  stdin: Writable | undefined;
  /**
   * Resolves when the process has exited and its stderr has been read; never rejects. A command that
   * cannot be started at all (no such file) exits with code 127 or 126, a line on stderr saying why.
   */
  exited: Promise<ConnectorExit>;
  /** The last stderr lines (at most 20, each at most `maxStderrLineBytes` plus a marker), oldest first. */
  stderrTail(): string[];
  /**
   * Signals the connector's whole process group (default SIGTERM), so what it started dies with it; a
   * group still alive `KILL_AFTER_MS` after a gentler signal gets SIGKILL.
   */
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  /** Connector command and its options, e.g. `['read', '--config', '/tmp/…/config.json', …]`. */
  args: readonly string[];
  stdin: 'pipe' | 'ignore';
  /** Working directory; default this process's. */
  cwd?: string;
  /**
   * The connector's whole environment, nothing of this process's added; default the allow-listed
   * variables of this process's (`connector-env.ts`), so no caller hands a connector DATABASE_URL by
   * accident.
   */
  env?: NodeJS.ProcessEnv;
  /** Called with each stderr line as it arrives. */
  onStderr?: (line: string) => void;
  /** Longest stdout line accepted, in bytes; default 64 MiB (`DEFAULT_MAX_LINE_BYTES`). */
  maxLineBytes?: number;
  /** Longest stderr line kept, in bytes, before it is cut with a marker; default 8 KiB. */
  maxStderrLineBytes?: number;
  /**
   * Longest the process may run, in ms; past it the process group is stopped as by `kill()` and
   * `exited` says `timedOut`. Default 0: no limit (a run bounds its connectors with idle timers).
   */
  timeoutMs?: number;
}

const STDERR_TAIL = 20;
/** How long a connector may take to exit after SIGTERM before its group gets SIGKILL, in ms. */
export const KILL_AFTER_MS = 5_000;

/**
 * Spawns a connector. The caller must consume `lines` or `rawLines` (or kill the process), else a
 * connector that fills its stdout pipe blocks.
 */
export function spawnConnector(command: ConnectorCommand, options: SpawnOptions): ConnectorProcess {
  // node:child_process rather than execa: execa and the built-in modules it loads were a fifth of the
  // engine's start-up CPU and several MB of its memory (issue 13), for what this file needs of it.
  const node = spawn(command.file, [...command.args, ...options.args], {
    stdio: [options.stdin, 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    // A process group of its own (setsid): killed as a group, and out of reach of the terminal's
    // Ctrl-C, which the engine handles by stopping the run in order (process-groups.ts).
    detached: true,
    env: options.env ?? connectorEnvironment(process.env),
  });
  // A connector that exits early closes its stdin; the writer sees EPIPE through `exited` instead.
  node.stdin?.on('error', () => {});
  // Ends with the process, whatever happened to it (exit, signal, or never started: see `exited`).
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    node.once('close', (code, signal) => resolve({ code, signal }));
    node.on('error', (error) => {
      // Without a pid the process never started (no such file, not executable); the 'close' that
      // follows carries no exit status. Other errors (a signal that could not be sent) change nothing.
      if (node.pid === undefined) resolve({ code: null, signal: null, error });
    });
  });

  const pid = node.pid;
  const untrack = pid === undefined ? () => {} : trackGroup(pid);
  let forceKill: NodeJS.Timeout | undefined;
  let timedOut = false;
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (node.exitCode !== null || node.signalCode !== null) return;
    if (pid === undefined || !signalGroup(pid, signal)) node.kill(signal);
    if (signal !== 'SIGKILL' && !forceKill && pid !== undefined) {
      forceKill = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_AFTER_MS);
      forceKill.unref();
    }
  };
  const deadline =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs)
      : undefined;
  node.once('exit', () => {
    untrack();
    clearTimeout(deadline);
    if (forceKill) clearTimeout(forceKill);
    // Whatever the connector started and left behind (a grandchild holding its pipes open) goes too.
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  });

  const tail: string[] = [];
  const stderr = node.stderr;
  const stderrDone = (async () => {
    if (!stderr) return;
    try {
      for await (const line of boundedLines(stderr, options.maxStderrLineBytes ?? DEFAULT_MAX_STDERR_LINE_BYTES)) {
        tail.push(line);
        if (tail.length > STDERR_TAIL) tail.shift();
        options.onStderr?.(line);
      }
    } catch {
      // The pipe broke with the process; what was read is kept.
    }
  })();

  const exited = (async (): Promise<ConnectorExit> => {
    const { code, signal, error } = await closed;
    await stderrDone;
    clearTimeout(deadline);
    if (error) {
      // Never started (no such file, not executable): said the way a shell says it, 127 or 126.
      const line = `cannot start ${command.file}: ${error.message}`;
      tail.push(line);
      options.onStderr?.(line);
      return { exitCode: (error as NodeJS.ErrnoException).code === 'EACCES' ? 126 : 127, signal: undefined, timedOut };
    }
    return { exitCode: code ?? undefined, signal: signal ?? undefined, timedOut };
  })();

  const batches = readLineBatches(node.stdout!, { connector: command.name, maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES });
  async function* rawLines(): AsyncGenerator<StdoutLine> {
    for await (const batch of batches) {
      for (const { lineNumber, line } of batch.lines) yield { lineNumber, line };
    }
  }
  async function* lines(): AsyncGenerator<ConnectorLine> {
    for await (const { lineNumber, line } of rawLines()) yield { lineNumber, line, message: messageOf(line, lineNumber, command.name) };
  }

  return { command, lines: lines(), rawLines: rawLines(), batches, stdin: node.stdin ?? undefined, exited, stderrTail: () => [...tail], kill };
}

/** "exited with code 3", "was killed by SIGKILL", "was killed by SIGTERM after its time limit". */
export function describeExit(exit: ConnectorExit): string {
  if (exit.signal) return `was killed by ${exit.signal}${exit.timedOut ? ' after its time limit' : ''}`;
  return `exited with code ${exit.exitCode}${exit.timedOut ? ' after its time limit' : ''}`;
}
