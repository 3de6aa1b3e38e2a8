import { readFileSync, readdirSync } from 'node:fs';

/**
 * PIDs of the live descendants of `ancestor` whose command line contains `needle` (Linux /proc).
 * Used to SIGKILL a connector that the CLI spawned, the way a crash would.
 */
export function descendantsMatching(ancestor: number, needle: string): number[] {
  const parentOf = new Map<number, number>();
  const cmdlineOf = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
      cmdlineOf.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // the process ended while we looked
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestor) return true;
    return false;
  };
  return [...cmdlineOf].filter(([pid, cmd]) => cmd.includes(needle) && isDescendant(pid)).map(([pid]) => pid);
}
