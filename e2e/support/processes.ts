import { descendants } from '../../scripts/bench/process-memory.ts';

/**
 * PIDs of the live descendants of `ancestor` whose command line contains `needle` (Linux /proc).
 * Used to SIGKILL a connector that the CLI spawned, the way a crash would.
 */
export function descendantsMatching(ancestor: number, needle: string): number[] {
  return [...descendants(ancestor)].filter(([, command]) => command.includes(needle)).map(([pid]) => pid);
}
