/**
 * A private temp directory (mode 0700) for the files handed to connectors: configs, catalogs, state.
 * Files are written mode 0600, so secrets never go on argv and no other user can read them.
 *
 * A run killed with SIGKILL (or a power cut) cannot remove its directory, and the configs in it hold
 * secrets. So each directory records the pid and host name of the process that owns it (`owner.pid`:
 * `<pid> <hostname>`), and creating one first removes the directories of the same prefix whose owner
 * is dead. A directory written on another host (a container sharing /tmp, with pids of its own) is
 * never judged.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateDir {
  path: string;
  /** Writes `value` as JSON to `name` inside the directory and returns the file's path. */
  writeJson(name: string, value: unknown): Promise<string>;
  /** Writes `text` as it is to `name` inside the directory and returns the file's path. */
  writeText(name: string, text: string): Promise<string>;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

/** The file naming the process that owns a directory. */
export const OWNER_FILE = 'owner.pid';
/** Files a run directory of an older version (before `owner.pid`) holds; nothing else is removed by age. */
const LEGACY_FILES = new Set(['source-config.json', 'destination-config.json', 'catalog.json', 'state.json']);
/** Age past which a legacy run directory (no owner file) is taken as left behind, in ms. */
const LEGACY_AGE_MS = 24 * 60 * 60 * 1000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** True when `path` is a directory left behind by a dead process (see the module comment). */
async function isStale(path: string, prefix: string, now: number): Promise<boolean> {
  const info = await stat(path);
  if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid())) return false;
  const owner = await readFile(join(path, OWNER_FILE), 'utf8').catch(() => undefined);
  if (owner !== undefined) {
    const [pidText, host] = owner.trim().split(' ');
    const pid = Number(pidText);
    return host === hostname() && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid);
  }
  // No owner file: a directory being created this instant, or one from before owner files.
  if (prefix !== 'sync-run-' || now - info.mtimeMs < LEGACY_AGE_MS) return false;
  const files = await readdir(path);
  return files.length > 0 && files.every((file) => LEGACY_FILES.has(file));
}

/**
 * Removes the directories `<tmpdir>/<prefix>*` of this user whose owning process is dead. Never
 * throws: a directory that cannot be read or removed is left alone.
 *
 * @returns the paths removed.
 */
export async function removeStaleDirs(prefix: string, root: string = tmpdir()): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(root, name);
    try {
      if (!(await isStale(path, prefix, now))) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}

/**
 * Creates `<tmpdir>/<prefix>XXXXXX` (mode 0700) owned by this process, after removing the stale
 * directories of the same prefix (`removeStaleDirs`).
 *
 * @param root parent directory; default the OS temp dir.
 */
export async function createPrivateDir(prefix = 'sync-', root: string = tmpdir()): Promise<PrivateDir> {
  await removeStaleDirs(prefix, root);
  const path = await mkdtemp(join(root, prefix)); // mkdtemp creates it 0700
  await writeFile(join(path, OWNER_FILE), `${process.pid} ${hostname()}\n`, { mode: 0o600 });
  return {
    path,
    async writeJson(name, value) {
      const file = join(path, name);
      await writeFile(file, JSON.stringify(value), { mode: 0o600 });
      return file;
    },
    async writeText(name, text) {
      const file = join(path, name);
      await writeFile(file, text, { mode: 0o600 });
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
