/**
 * Connectors run in process groups of their own (spawned detached: a new session), so the engine can
 * stop a connector together with everything it started (a `sleep` in a shell script, a JVM's helpers)
 * by signalling the group, and so a Ctrl-C in the terminal reaches the engine alone, which then stops
 * the run in order (see run-attempt.ts) instead of every process dying at once.
 *
 * Groups still alive when this process exits (an uncaught error, `process.exit`) are killed then.
 * A SIGKILL of this process cannot be caught: its connectors outlive it.
 */

const live = new Set<number>();
let hooked = false;

/**
 * Sends `signal` to the process group led by `pid` (POSIX `kill(-pid, sig)`).
 *
 * @returns false when the group no longer exists (ESRCH) or cannot be signalled.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Remembers the group led by `pid` until the returned function is called, killing it (SIGKILL) if
 * this process exits first.
 */
export function trackGroup(pid: number): () => void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const group of live) signalGroup(group, 'SIGKILL');
    });
  }
  live.add(pid);
  return () => {
    live.delete(pid);
  };
}
