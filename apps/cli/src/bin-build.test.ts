/**
 * `bin/sync.js` runs the bundle only while it is a build of the current sources (dist/build.json), and
 * the TypeScript sources otherwise. Checked on a copy of the bin in a small tree of its own, whose
 * "bundle" and "sources" each say which one ran.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const tree = mkdtempSync(join(tmpdir(), 'sync-bin-build-'));
afterAll(() => rmSync(tree, { recursive: true, force: true }));
const bin = join(tree, 'apps/cli/bin/sync.js');
const source = join(tree, 'packages/x/src/x.ts');

beforeEach(() => {
  rmSync(join(tree, 'apps'), { recursive: true, force: true });
  for (const dir of ['apps/cli/bin', 'apps/cli/dist', 'apps/cli/src', 'packages/x/src']) mkdirSync(join(tree, dir), { recursive: true });
  for (const file of ['sync.js', 'build-manifest.js']) copyFileSync(join(import.meta.dirname, '..', 'bin', file), join(tree, 'apps/cli/bin', file));
  writeFileSync(join(tree, 'apps/cli/dist/sync.mjs'), "process.stdout.write('bundle ' + Boolean(globalThis.syncBuild));\n");
  writeFileSync(join(tree, 'apps/cli/src/main.ts'), "process.stdout.write('sources ' + Boolean((globalThis as { syncBuild?: unknown }).syncBuild));\n");
  writeFileSync(source, 'export {};\n');
  const builtAtMs = statSync(source).mtimeMs;
  writeFileSync(join(tree, 'apps/cli/dist/build.json'), JSON.stringify({ builtAtMs, inputs: ['packages/x/src/x.ts'], bundles: {} }));
});

const sync = (env: Record<string, string> = {}) => execa(process.execPath, [bin], { env, reject: false });

describe('bin/sync.js', () => {
  it('runs the bundle, telling it the build, while no source changed since the build', async () => {
    const result = await sync();
    expect([result.stdout, result.stderr]).toEqual(['bundle true', '']);
  });

  it('runs the sources, and says why, when a source file is newer than the build', async () => {
    const later = new Date(statSync(source).mtimeMs + 5_000);
    utimesSync(source, later, later);
    const result = await sync();
    expect(result.stdout).toBe('sources false');
    expect(result.stderr).toContain('packages/x/src/x.ts changed since the last build');
    expect(result.stderr).toContain('pnpm build');
  });

  it('runs the sources when a source file of the build is gone, when there is no build, or with SYNC_FROM_SOURCE=1', async () => {
    expect((await sync({ SYNC_FROM_SOURCE: '1' })).stdout).toBe('sources false');
    rmSync(source);
    expect((await sync()).stdout).toBe('sources false');
    rmSync(join(tree, 'apps/cli/dist'), { recursive: true });
    const result = await sync();
    expect([result.stdout, result.stderr]).toEqual(['sources false', '']);
  });
});
