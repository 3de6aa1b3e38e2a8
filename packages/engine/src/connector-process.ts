/**
 * A running connector: spawned with execa in a process group of its own, its stdout decoded as
 * protocol messages, its stderr kept as tagged free text (Airbyte protocol: only stdout carries
 * messages; stderr is free text the engine captures and tags).
 *
 * Untrusted output costs bounded memory: a stdout line longer than `maxLineBytes` (default 64 MiB)
 * fails with a ProtocolError naming the connector and line number; a stderr line is cut at
 * `maxStderrLineBytes` (default 8 KiB) with a marker, and only the last 20 are kept.
 */
import type { Writable } from 'node:stream';
import { execa } from 'execa';
import { DEFAULT_MAX_LINE_BYTES, parseMessage, readLines, type AirbyteMessage } from '@sync/protocol';
import { boundedLines, DEFAULT_MAX_STDERR_LINE_BYTES } from './bounded-lines.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { signalGroup, trackGroup } from './process-groups.ts';
import { connectorEnvironment } from './connector-env.ts';

/** One protocol message as read from a connector's stdout. */
export interface ConnectorLine {
  /** 1-based line number on the connector's stdout. */
  lineNumber: number;
  /** The line as received, without its newline, for forwarding unchanged. */
  line: string;
  message: AirbyteMessage;
}

/**
 * True for a stdout line that is not meant as a message at all: it does not start with `{`. Older
 * Airbyte connectors print such lines (banners, library output); the Airbyte platform logs them, and so
 * do we. A line that starts with `{` must be a valid message.
 */
export function isNonProtocolLine(line: string): boolean {
  return !line.trimStart().startsWith('{');
}

export interface ConnectorExit {
  /** Exit code, or undefined when killed by a signal. */
  exitCode: number | undefined;
  signal: string | undefined;
}

export interface ConnectorProcess {
  command: ConnectorCommand;
  /**
   * Messages from stdout, in order. Iterating pulls from the pipe, so a slow consumer slows the
   * connector. A line that is not JSON at all comes as an INFO LOG (see `isNonProtocolLine`); a line
   * that looks like JSON but is not a valid message throws ProtocolError (connector name, line number,
   * snippet).
   */
  lines: AsyncIterable<ConnectorLine>;
  /** The connector's stdin, when it was opened with `stdin: 'pipe'`. */
  stdin: Writable | undefined;
  /** Resolves when the process has exited; never rejects. */
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
}

const STDERR_TAIL = 20;
/** How long a connector may take to exit after SIGTERM before its group gets SIGKILL, in ms. */
export const KILL_AFTER_MS = 5_000;

/** Spawns a connector. The caller must consume `lines` (or kill the process). */
export function spawnConnector(command: ConnectorCommand, options: SpawnOptions): ConnectorProcess {
  const child = execa(command.file, [...command.args, ...options.args], {
    stdin: options.stdin,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // A process group of its own (setsid): killed as a group, and out of reach of the terminal's
    // Ctrl-C, which the engine handles by stopping the run in order (process-groups.ts).
    detached: true,
    forceKillAfterDelay: false,
    env: options.env ?? connectorEnvironment(process.env),
    extendEnv: false,
  });
  // A connector that exits early closes its stdin; the writer sees EPIPE through `exited` instead.
  child.stdin?.on('error', () => {});

  const pid = child.pid;
  const untrack = pid === undefined ? () => {} : trackGroup(pid);
  let forceKill: NodeJS.Timeout | undefined;
  const node = child.nodeChildProcess;
  node.once('exit', () => {
    untrack();
    if (forceKill) clearTimeout(forceKill);
    // Whatever the connector started and left behind (a grandchild holding its pipes open) goes too.
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  });

  const tail: string[] = [];
  const stderr = child.stderr;
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
    const result = await child;
    await stderrDone;
    return { exitCode: result.exitCode, signal: result.signal };
  })();

  async function* lines(): AsyncGenerator<ConnectorLine> {
    const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    for await (const { lineNumber, line } of readLines(child.stdout!, { connector: command.name, maxLineBytes })) {
      const message: AirbyteMessage = isNonProtocolLine(line)
        ? { type: 'LOG', log: { level: 'INFO', message: line } }
        : parseMessage(line, lineNumber, command.name);
      yield { lineNumber, line, message };
    }
  }

  return {
    command,
    lines: lines(),
    stdin: child.stdin ?? undefined,
    exited,
    stderrTail: () => [...tail],
    kill: (signal = 'SIGTERM') => {
      if (node.exitCode !== null || node.signalCode !== null) return;
      if (pid === undefined || !signalGroup(pid, signal)) child.kill(signal);
      if (signal !== 'SIGKILL' && !forceKill && pid !== undefined) {
        forceKill = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_AFTER_MS);
        forceKill.unref();
      }
    },
  };
}

/** "exited with code 3", "was killed by SIGKILL". */
export function describeExit(exit: ConnectorExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}
