/** What scripts/build.js writes to apps/cli/dist/build.json. */
export interface BuildManifest {
  /** When the build started, ms since the epoch: a source modified later makes the build stale. */
  builtAtMs: number;
  /** The workspace files the bundles were built from, relative to the repository. */
  inputs: string[];
  /** Bundle name → its file (relative to the repository) and the sha1 of its output files. */
  bundles: Record<string, { file: string; sha1: string }>;
}

/** See build-manifest.js. */
export function freshBuild(options?: { onStale?: (input: string) => void }): BuildManifest | undefined;
