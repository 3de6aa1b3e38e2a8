#!/usr/bin/env node
// The `sync` CLI runs TypeScript directly, which needs Node >= 22.18 (type stripping). Under an older
// Node (Debian's is 20), re-run on the Node 22 that `pnpm install` puts in the workspace.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major > 22 || (major === 22 && minor >= 18)) {
  await import('../src/main.ts');
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
