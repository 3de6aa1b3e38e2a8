/**
 * Peak resident memory of a process tree, sampled from Linux /proc while it runs.
 * `VmHWM` is the kernel's own high-water mark of resident memory for each process, so sampling every
 * `intervalMs` misses nothing of a process that lives longer than one interval.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessPeak {
  pid: number;
  /** Command line, for telling the processes apart. */
  command: string;
  /** Peak resident set size, bytes. */
  peakRssBytes: number;
}

/** The live descendants of `root` (children, grandchildren, …): pid → command line. */
export function descendants(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  const command = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      command.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // gone already
    }
  }
  const result = new Map<number, string>();
  for (const [pid, cmd] of command) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        result.set(pid, cmd);
        break;
      }
    }
  }
  return result;
}

/** `pid`'s resident memory now (VmRSS) and its high-water mark (VmHWM), bytes, from one read of /proc; undefined once it has exited. */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return rss && hwm ? { rss: Number(rss[1]) * 1024, hwm: Number(hwm[1]) * 1024 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `pid`'s proportional set size now (`Pss` of /proc/PID/smaps_rollup), bytes: its resident memory with
 * each page shared with other processes (the `node` binary's code, mapped by every connector) divided
 * among them, so that a sum over processes counts a shared page once. Undefined once it has exited.
 */
export function pssOf(pid: number): number | undefined {
  try {
    const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return pss ? Number(pss[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts sampling `root` and its descendants; `stop()` returns each process's peak (`watchTreeMemory`'s `processes`). */
export function watchMemory(root: number, intervalMs = 50): { stop(): ProcessPeak[] } {
  const watch = watchTreeMemory(root, intervalMs);
  return { stop: () => watch.stop().processes };
}

/** Bytes in a MiB, for reporting peaks. */
export const MiB = 1024 * 1024;

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Peaks of a process tree: the whole tree's and each process's. */
export interface TreeMemory {
  /** Max over the samples of the sum of the current RSS (VmRSS) of every process alive at that sample, bytes. */
  treePeakBytes: number;
  /**
   * Max over the samples of the sum of the PSS of every process alive (`pssOf`): the tree's memory
   * with pages its processes share counted once. Informative; the figure is `treePeakBytes`.
   */
  treePeakPssBytes: number;
  /** Each process's own peak (VmHWM, the kernel's high-water mark), as `watchMemory` reports it. */
  processes: ProcessPeak[];
}

/**
 * Starts sampling `root` and its descendants every `intervalMs` (default 50 ms); `stop()` returns the
 * whole tree's peak (the largest sum of the RSS of the processes alive at one sample: what the tree
 * needs at once, unlike a sum of per-process peaks reached at different moments) and each process's
 * peak. The tree's peak is sampled, so a spike shorter than `intervalMs` can be missed; the
 * per-process peaks cannot (VmHWM).
 */
export function watchTreeMemory(root: number, intervalMs = 50): { stop(): TreeMemory } {
  const peaks = new Map<number, ProcessPeak>();
  let treePeakBytes = 0;
  let treePeakPssBytes = 0;
  const sample = () => {
    let sum = 0;
    let pss = 0;
    for (const [pid, command] of descendants(root)) {
      const memory = memoryOf(pid);
      if (memory === undefined) continue;
      sum += memory.rss;
      pss += pssOf(pid) ?? 0;
      const known = peaks.get(pid);
      if (!known || memory.hwm > known.peakRssBytes) peaks.set(pid, { pid, command, peakRssBytes: memory.hwm });
    }
    treePeakBytes = Math.max(treePeakBytes, sum);
    treePeakPssBytes = Math.max(treePeakPssBytes, pss);
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { treePeakBytes, treePeakPssBytes, processes: [...peaks.values()] };
    },
  };
}

