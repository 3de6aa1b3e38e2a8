/**
 * A private temp directory (mode 0700) for the files handed to connectors: configs, catalogs, state.
 * Files are written mode 0600, so secrets never go on argv and no other user can read them
 * (DESIGN.md: "the engine writes them to a private temp dir, mode 0600").
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateDir {
  path: string;
  /** Writes `value` as JSON to `name` inside the directory and returns the file's path. */
  writeJson(name: string, value: unknown): Promise<string>;
  /** Deletes the directory and everything in it. */
  remove(): Promise<void>;
}

export async function createPrivateDir(prefix = 'sync-'): Promise<PrivateDir> {
  const path = await mkdtemp(join(tmpdir(), prefix)); // mkdtemp creates it 0700
  return {
    path,
    async writeJson(name, value) {
      const file = join(path, name);
      await writeFile(file, JSON.stringify(value), { mode: 0o600 });
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
