/**
 * The `setup` of a conformance file: a server the connector needs (an API emulator), started with
 * `/bin/sh -c` in the file's directory and considered ready when a line of its stdout or stderr
 * matches `ready`. Named groups of `ready` become placeholders (`(?<url>…)` → `{{url}}`).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Service {
  /** Named groups of the ready pattern. */
  vars: Record<string, string>;
  /** Stops the service and everything it started (SIGTERM to its process group). */
  stop(): void;
}

/**
 * @throws Error when the command exits, or prints nothing matching `ready`, within `timeoutMs`; the
 *   message carries the command's last output.
 */
export function startService(setup: { command: string; ready: string }, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Service> {
  const ready = new RegExp(setup.ready);
  const child = spawn('/bin/sh', ['-c', setup.command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  const output: string[] = [];
  return new Promise<Service>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      stop();
      reject(new Error(`setup command ${JSON.stringify(setup.command)} ${why}${output.length ? `; it printed:\n${output.slice(-5).join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`printed nothing matching ${ready} within ${timeoutMs / 1000} s`), timeoutMs);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    child.once('exit', (code) => fail(`exited (code ${code}) before it was ready`));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const match = ready.exec(line);
        if (!match) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ vars: { ...match.groups }, stop });
      });
    }
  });
}
