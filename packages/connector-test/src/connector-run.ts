/**
 * Runs one connector command the way the engine does (argv, file paths for config/catalog/state,
 * messages on stdout, free text on stderr) and collects what it printed, so checks can judge it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One stdout line as the suite sees it: parsed JSON when it is JSON. */
export interface OutputLine {
  /** 1-based line number. */
  number: number;
  text: string;
  /** The parsed line, or undefined when it is not JSON. */
  json: unknown;
}

export interface RunResult {
  lines: OutputLine[];
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the command outlived its time limit and was killed. */
  timedOut: boolean;
}

/** A connector executable: its file and the arguments before the command (`python3 source.py`). */
export interface ConnectorCommand {
  file: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A running connector: lines arrive in `lines` as they are printed; `write` feeds stdin, `waitFor`
 * resolves when a line matching the predicate arrives (or rejects when the process ends first).
 */
export class ConnectorProcess {
  readonly lines: OutputLine[] = [];
  readonly done: Promise<RunResult>;
  private readonly child: ChildProcess;
  private stderr = '';
  private timedOut = false;
  private waiters: Array<() => void> = [];
  private finished = false;

  constructor(command: ConnectorCommand, argv: readonly string[], timeoutMs: number) {
    this.child = spawn(command.file, [...command.args, ...argv], {
      cwd: command.cwd,
      env: command.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdin!.on('error', () => {}); // a connector may exit without reading its stdin
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (this.stderr.length < 64 * 1024) this.stderr += chunk;
    });
    const reader = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    reader.on('line', (text) => {
      if (text.trim() === '') return;
      this.lines.push({ number: this.lines.length + 1, text, json: parse(text) });
      this.notify();
    });
    const timer = setTimeout(() => {
      this.timedOut = true;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    const spawnError = new Promise<never>((_, reject) => this.child.once('error', reject));
    this.done = Promise.race([
      Promise.all([once(this.child, 'close'), once(reader, 'close')]).then(([[code, signal]]) => ({ code, signal })),
      spawnError,
    ])
      .then(({ code, signal }) => ({
        lines: this.lines,
        stderr: this.stderr,
        exitCode: code as number | null,
        signal: signal as NodeJS.Signals | null,
        timedOut: this.timedOut,
      }))
      .catch((error: Error) => ({
        lines: this.lines,
        stderr: `cannot start ${command.file}: ${error.message}`,
        exitCode: null,
        signal: null,
        timedOut: false,
      }))
      .finally(() => {
        clearTimeout(timer);
        this.finished = true;
        this.notify();
      });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Writes lines (without newlines) to stdin, waiting on `drain`; stops quietly once the process is gone. */
  async write(lines: readonly string[]): Promise<void> {
    const stdin = this.child.stdin!;
    for (const line of lines) {
      // A connector that exits without reading its stdin never drains it: stop writing then.
      if (this.finished || stdin.destroyed) return;
      if (!stdin.write(`${line}\n`)) await Promise.race([once(stdin, 'drain'), once(stdin, 'close'), this.done]);
    }
  }

  end(): void {
    this.child.stdin!.end();
  }

  /**
   * Sends `signal` (default SIGKILL: no chance to clean up, as in a crash) and resolves when the
   * process is gone. A process that already ended is left alone.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<RunResult> {
    if (!this.finished) this.child.kill(signal);
    return this.done;
  }

  /** Resolves with the first line (at or after `from`) matching `predicate`; undefined if it exits first. */
  async waitFor(predicate: (line: OutputLine) => boolean, from = 0): Promise<OutputLine | undefined> {
    for (;;) {
      const found = this.lines.slice(from).find(predicate);
      if (found) return found;
      if (this.finished) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

/** Runs a connector command to the end with `stdin` (default: nothing) and returns what it printed. */
export async function runConnectorCommand(
  command: ConnectorCommand,
  argv: readonly string[],
  options: { timeoutMs: number; stdin?: readonly string[] },
): Promise<RunResult> {
  const process = new ConnectorProcess(command, argv, options.timeoutMs);
  await process.write(options.stdin ?? []);
  process.end();
  return process.done;
}

/** `exit 0`, `exit 1`, `killed by SIGKILL`, `timed out`: how a run ended, for reports. */
export function howItEnded(result: RunResult): string {
  if (result.timedOut) return 'timed out (killed)';
  if (result.signal) return `killed by ${result.signal}`;
  return `exit ${result.exitCode}`;
}

/** The last lines of stderr, indented, for a failure report. */
export function stderrTail(result: RunResult, lines = 5): string {
  const tail = result.stderr.trim().split('\n').slice(-lines).join('\n      ');
  return tail ? `\n      stderr: ${tail}` : '';
}
