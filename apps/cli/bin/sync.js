#!/usr/bin/env node
// The `sync` CLI runs TypeScript directly, which needs Node >= 22.18 (type stripping). Under an older
// Node (Debian's is 20), re-run on the Node 22 that `pnpm install` puts in the workspace.
import { spawnSync } from 'node:child_process';
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
  const result = spawnSync(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
