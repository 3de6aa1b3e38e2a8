#!/usr/bin/env node
// The `sync` CLI. It runs the bundle `pnpm install` builds (dist/sync.mjs, see scripts/build.js), or the
// TypeScript sources when there is no bundle, when SYNC_FROM_SOURCE=1, or when a source file changed
// since the build (with a warning: run `pnpm build`). Bundle or sources need Node >= 22.18: under an
// older Node (Debian's is 20), it re-runs itself on the Node 22 that `pnpm install` puts in the workspace.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { freshBuild } from './build-manifest.js';

// Collect garbage sooner instead of letting the heap grow with the allocation rate: the engine parses
// and forwards every record line, all short-lived (docs/benchmarks.md: the engine's peak RSS). Set here,
// before anything else is loaded or compiled; it only tunes the collector's heuristics. The sources get
// the same option on their command line (apps/cli/src/builtins.ts). The young generation also keeps its
// starting size instead of growing to 16 MB under the engine's allocation rate (every object of a line
// dies before the next chunk): 4-6 MB less peak RSS, the same CPU (issue 13). Its maximum size cannot be
// set after start (--max-semi-space-size), its growth factor can.
setFlagsFromString('--optimize-for-size');
setFlagsFromString('--semi-space-growth-factor=1');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  const build = freshBuild({
    onStale: (input) =>
      process.stderr.write(`sync: ${input} changed since the last build; running from the TypeScript sources (slower to start). Run \`pnpm build\` to rebuild.\n`),
  });
  // The bundled CLI runs the bundled connectors (apps/cli/src/builtins.ts reads this).
  if (build) globalThis.syncBuild = build;
  // Every command, `sync run` included, starts through dist/sync.mjs, which turns on Node's compile
  // cache. Without it `sync run` took 6-9 MB less (the cache hashes the engine's chunk in a buffer three
  // times its size, which raises glibc's mmap threshold) but 20-30 ms longer to start; with both
  // measured (docs/benchmarks.md, issue 13), the no-op run needs the time more than the tree the memory.
  await import(build ? '../dist/sync.mjs' : '../src/main.ts');
} else {
  const node22 = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
  if (!existsSync(node22)) {
    process.stderr.write(`sync: error: needs Node 22.18 or newer (this is ${process.version}); run \`pnpm install\` in the repository first, which installs it\n`);
    process.exit(1);
  }
  const child = spawn(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child from the terminal (same process group): this process only waits for it,
  // so the shell gets its prompt back after the run is recorded. Other signals are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}
