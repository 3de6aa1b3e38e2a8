// Whether apps/cli/dist/ holds a build of the current sources (scripts/build.js writes the manifest).
// Plain JavaScript, beside the bin that runs before any TypeScript may: the `sync` bin and the benchmarks
// that start what `sync` starts use it.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The build manifest (dist/build.json: the workspace files the bundles were built from, `builtAtMs`,
 * the bundles and their hashes) when no file of the build changed since (by modification time) and
 * SYNC_FROM_SOURCE is not 1; else undefined, and `onStale` hears which file changed. A few hundred
 * stat calls, about a millisecond.
 *
 * @param {{ onStale?: (input: string) => void }} [options]
 */
export function freshBuild(options = {}) {
  if (process.env.SYNC_FROM_SOURCE === '1') return undefined;
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('../dist/build.json', import.meta.url), 'utf8'));
  } catch {
    return undefined; // not built: the sources run, as before the first `pnpm build`
  }
  for (const input of manifest.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(root + input).mtimeMs;
    } catch {
      mtimeMs = Infinity; // a source file of the build is gone
    }
    if (mtimeMs > manifest.builtAtMs) {
      options.onStale?.(input);
      return undefined;
    }
  }
  return manifest;
}
