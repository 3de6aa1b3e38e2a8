/**
 * The `setup` of a conformance file: a server the connector needs (an API emulator), started with
 * `/bin/sh -c` in the file's directory and considered ready when a line of its stdout or stderr
 * matches `ready`. Named groups of `ready` become placeholders (`(?<url>…)` → `{{url}}`).
 *
 * It is started like a connector (the engine's `spawnConnector`): in a process group of its own, so
 * stopping it stops what the shell started too, and killed with this process if the suite dies first.
 * It is the file author's own command, so it gets the caller's whole environment, not a connector's.
 */
import { spawnConnector } from '@sync/engine';

export interface SetupService {
  /** Named groups of the ready pattern. */
  vars: Record<string, string>;
  /** Stops the service and everything it started (SIGTERM to its process group, SIGKILL if it lingers). */
  stop(): void;
}

/** Lines of the setup's output kept for an error message. */
const OUTPUT_SHOWN = 5;

/**
 * @throws Error when the command exits, or prints nothing matching `ready`, within `timeoutMs`; the
 *   message carries the command's last output.
 */
export async function startService(
  setup: { command: string; ready: string },
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<SetupService> {
  const ready = new RegExp(setup.ready);
  const output: string[] = [];
  let onLine: (line: string) => void = (line) => output.push(line);
  const service = spawnConnector(
    { name: 'setup', file: '/bin/sh', args: ['-c', setup.command] },
    { args: [], stdin: 'ignore', cwd, env, onStderr: (line) => onLine(line) },
  );
  // Read for as long as it runs: a server whose output nobody reads blocks once the pipe is full.
  const stdoutRead = (async () => {
    try {
      for await (const { line } of service.rawLines) onLine(line);
    } catch {
      // A line over the cap: the rest of stdout is not needed.
    }
  })();
  const stop = () => service.kill();
  const vars = await new Promise<Record<string, string> | string>((resolve) => {
    const timer = setTimeout(() => resolve(`printed nothing matching ${ready} within ${timeoutMs / 1000} s`), timeoutMs);
    onLine = (line) => {
      output.push(line);
      if (output.length > OUTPUT_SHOWN) output.shift();
      const match = ready.exec(line);
      if (!match) return;
      clearTimeout(timer);
      onLine = () => {};
      resolve({ ...match.groups });
    };
    for (const line of output.splice(0)) onLine(line);
    void service.exited.then(async (exit) => {
      await stdoutRead;
      clearTimeout(timer);
      resolve(`exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.exitCode}`}) before it was ready`);
    });
  });
  if (typeof vars === 'string') {
    stop();
    throw new Error(`setup command ${JSON.stringify(setup.command)} ${vars}${output.length ? `; it printed:\n${output.join('\n')}` : ''}`);
  }
  return { vars, stop };
}
