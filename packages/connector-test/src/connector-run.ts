/**
 * One connector command as the suite runs it: started by the engine's `spawnConnector`, exactly as a
 * sync run starts it (a process group of its own, the allow-listed environment, stdout lines capped at
 * 64 MiB, the last stderr lines kept, a time limit), with its stdout kept line by line so checks can
 * judge it against Airbyte's schema.
 */
import { spawnConnector, type ConnectorCommand, type ConnectorProcess } from '@sync/engine';

/** One non-blank stdout line as the suite sees it: parsed JSON when it is JSON. */
export interface OutputLine {
  /** 1-based line number on stdout (blank lines count). */
  number: number;
  text: string;
  /** The parsed line, or undefined when it is not JSON. */
  json: unknown;
}

/** What a connector command printed and how it ended. */
export interface CommandOutput {
  lines: OutputLine[];
  /** Why stdout stopped being read before its end (a line over the 64 MiB cap); the command was killed. */
  stdoutError?: string;
  /** The last stderr lines (at most 20, each cut at 8 KiB), oldest first. */
  stderr: string[];
  /** Exit code; undefined when killed by a signal. 127 or 126 when the command could not start. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** True when the command outlived the suite's time limit and was stopped. */
  timedOut: boolean;
}

/** The connector under test: its command, and where and with what environment it runs. */
export interface ConnectorUnderTest {
  command: ConnectorCommand;
  cwd: string;
  /** The connector's whole environment (the suite passes the allow-listed one a run would). */
  env: NodeJS.ProcessEnv;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A running connector command: lines arrive in `lines` as they are printed; `write` feeds stdin,
 * `waitFor` resolves when a line matching the predicate arrives (undefined when the command ends
 * first), `done` when it has ended.
 */
export class ConnectorRun {
  readonly lines: OutputLine[] = [];
  readonly done: Promise<CommandOutput>;
  readonly #process: ConnectorProcess;
  #waiters: Array<() => void> = [];
  #finished = false;

  /** Starts `<connector> <argv…>`; past `timeoutMs` it is stopped and its output says `timedOut`. */
  constructor(connector: ConnectorUnderTest, argv: readonly string[], timeoutMs: number) {
    const child = spawnConnector(connector.command, { args: argv, stdin: 'pipe', cwd: connector.cwd, env: connector.env, timeoutMs });
    this.#process = child;
    const reading = (async (): Promise<string | undefined> => {
      try {
        for await (const { lineNumber, line } of child.rawLines) {
          this.lines.push({ number: lineNumber, text: line, json: parse(line) });
          this.#notify();
        }
        return undefined;
      } catch (error) {
        child.kill('SIGKILL');
        return error instanceof Error ? error.message : String(error);
      }
    })();
    this.done = (async (): Promise<CommandOutput> => {
      const stdoutError = await reading;
      const exit = await child.exited;
      return {
        lines: this.lines,
        ...(stdoutError ? { stdoutError } : {}),
        stderr: child.stderrTail(),
        exitCode: exit.exitCode,
        signal: exit.signal,
        timedOut: exit.timedOut,
      };
    })().finally(() => {
      this.#finished = true;
      this.#notify();
    });
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Writes lines (without newlines) to stdin, waiting on `drain`; stops quietly once the command is gone. */
  async write(lines: readonly string[]): Promise<void> {
    const stdin = this.#process.stdin!;
    for (const line of lines) {
      // A connector that exits without reading its stdin never drains it: stop writing then.
      if (this.#finished || stdin.destroyed) return;
      if (!stdin.write(`${line}\n`)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            stdin.off('drain', wake).off('close', wake);
            resolve();
          };
          stdin.on('drain', wake).on('close', wake);
          void this.done.then(wake);
        });
      }
    }
  }

  /** Closes stdin: the end of the connector's input. */
  end(): void {
    this.#process.stdin!.end();
  }

  /**
   * Sends `signal` to the command's process group (default SIGKILL: no chance to clean up, as in a
   * crash) and resolves when it is gone. A command that already ended is left alone.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<CommandOutput> {
    this.#process.kill(signal);
    return this.done;
  }

  /** Resolves with the first line after line number `after` matching `predicate`; undefined if the command ends first. */
  async waitFor(predicate: (line: OutputLine) => boolean, after = 0): Promise<OutputLine | undefined> {
    for (;;) {
      const found = this.lines.find((line) => line.number > after && predicate(line));
      if (found) return found;
      if (this.#finished) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

/** `exit 0`, `exit 1`, `killed by SIGKILL`, `timed out (killed)`: how a command ended, for reports. */
export function howItEnded(output: CommandOutput): string {
  if (output.stdoutError) return `killed by the suite: ${output.stdoutError}`;
  if (output.timedOut) return 'timed out (killed)';
  if (output.signal) return `killed by ${output.signal}`;
  return `exit ${output.exitCode}`;
}

/** The last lines of stderr, indented, for a failure report. */
export function stderrTail(output: CommandOutput, lines = 5): string {
  const tail = output.stderr.slice(-lines).join('\n      ');
  return tail ? `\n      stderr: ${tail}` : '';
}
