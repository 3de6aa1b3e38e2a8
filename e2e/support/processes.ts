import { readFileSync } from 'node:fs';
import { descendants } from '../../scripts/bench/process-memory.ts';

/**
 * PIDs of the live descendants of `ancestor` whose command line contains `needle` (Linux /proc).
 * Used to SIGKILL a connector that the CLI spawned, the way a crash would.
 */
export function descendantsMatching(ancestor: number, needle: string): number[] {
  return [...descendants(ancestor)].filter(([, command]) => command.includes(needle)).map(([pid]) => pid);
}

/**
 * Crashes a connector of a running `sync run` the way a power cut would: watches the CLI's progress
 * lines on stderr, and the first time `when` says so, SIGKILLs the CLI's descendant whose command line
 * contains `needle` (`destination-postgres`).
 *
 * @param when receives the streams with a "started" line so far, those with a "N records committed" line,
 *   and the count of those lines.
 * @returns `killed()`: whether a process was killed.
 */
export function killConnectorWhen(
  cli: { pid?: number | undefined; stderr: NodeJS.ReadableStream | null },
  needle: string,
  when: (progress: { startedStreams: ReadonlySet<string>; checkpointedStreams: ReadonlySet<string>; checkpointLines: number }) => boolean,
): { killed(): boolean } {
  let killed = false;
  const startedStreams = new Set<string>();
  const checkpointedStreams = new Set<string>();
  let checkpointLines = 0;
  cli.stderr!.setEncoding('utf8');
  cli.stderr!.on('data', (chunk: string) => {
    if (killed) return;
    for (const m of chunk.matchAll(/^(\w+): started$/gm)) startedStreams.add(m[1]!);
    for (const m of chunk.matchAll(/^(\w+): [\d,]+ records? committed$/gm)) {
      checkpointedStreams.add(m[1]!);
      checkpointLines++;
    }
    if (!when({ startedStreams, checkpointedStreams, checkpointLines })) return;
    const pids = descendantsMatching(cli.pid!, needle);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    killed = pids.length > 0;
  });
  return { killed: () => killed };
}

/** False once `pid` has exited (gone, or a zombie nobody reaped yet). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
