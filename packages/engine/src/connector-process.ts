/**
 * A running connector: spawned with execa, its stdout decoded as protocol messages, its stderr kept as
 * tagged free text (DESIGN.md: "Only stdout carries messages; stderr is free text the engine captures
 * and tags").
 */
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { execa } from 'execa';
import { log, parseMessage, readLines, type AirbyteMessage } from '@sync/protocol';
import type { ConnectorCommand } from './connector-command.ts';
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
  /** The last stderr lines (at most 20), oldest first. */
  stderrTail(): string[];
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
}

const STDERR_TAIL = 20;

/** Spawns a connector. The caller must consume `lines` (or kill the process). */
export function spawnConnector(command: ConnectorCommand, options: SpawnOptions): ConnectorProcess {
  const child = execa(command.file, [...command.args, ...options.args], {
    stdin: options.stdin,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 5_000,
    env: options.env ?? connectorEnvironment(process.env),
    extendEnv: false,
  });
  // A connector that exits early closes its stdin; the writer sees EPIPE through `exited` instead.
  child.stdin?.on('error', () => {});

  const tail: string[] = [];
  const stderrDone = new Promise<void>((resolve) => {
    if (!child.stderr) return resolve();
    const reader = createInterface({ input: child.stderr, crlfDelay: Infinity });
    reader.on('line', (line) => {
      tail.push(line);
      if (tail.length > STDERR_TAIL) tail.shift();
      options.onStderr?.(line);
    });
    reader.on('close', resolve);
  });

  const exited = (async (): Promise<ConnectorExit> => {
    const result = await child;
    await stderrDone;
    return { exitCode: result.exitCode, signal: result.signal };
  })();

  async function* lines(): AsyncGenerator<ConnectorLine> {
    for await (const { lineNumber, line } of readLines(child.stdout!, { connector: command.name })) {
      const message = isNonProtocolLine(line) ? log('INFO', line) : parseMessage(line, lineNumber, command.name);
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
      child.kill(signal);
    },
  };
}

/** "exited with code 3", "was killed by SIGKILL". */
export function describeExit(exit: ConnectorExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode}`;
}
