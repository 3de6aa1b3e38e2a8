/**
 * What the CLI loads only for the commands that need it. `sync --help` evaluates every module main.ts
 * imports statically, so a module it does not load is reached by no static import chain from main.ts.
 * Checked on the modules Node really resolves (a resolve hook logs each), each with a control command
 * that does load them, so the log is seen to work.
 *
 * - The emulators are dev tools: loaded only inside `sync emulator` (a dynamic import in
 *   commands/emulator.ts).
 * - The engine, the protocol and zod are loaded only by commands that run connectors: the help shows
 *   the engine's defaults from `@sync/engine/lite`, whose modules import nothing (issue 13: they were
 *   1.1 MB of the bundle `sync --help` parsed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const sync = join(root, 'apps/cli/bin/sync.js');
const EMULATORS = ['packages/stripe-emulator/', 'packages/google-sheets-emulator/'].map((dir) => pathToFileURL(join(root, dir)).href);

const work = mkdtempSync(join(tmpdir(), 'sync-cli-modules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A module that logs every URL Node resolves to the file named by SYNC_TEST_MODULE_LOG. */
const hook = join(work, 'log-modules.mjs');
writeFileSync(
  hook,
  [
    "import { registerHooks } from 'node:module';",
    "import { appendFileSync } from 'node:fs';",
    'registerHooks({',
    '  resolve(specifier, context, nextResolve) {',
    '    const resolved = nextResolve(specifier, context);',
    "    appendFileSync(process.env.SYNC_TEST_MODULE_LOG, resolved.url + '\\n');",
    '    return resolved;',
    '  },',
    '});',
  ].join('\n'),
);

let runs = 0;

/** Starts `sync <args>` with the hook; `modules()` reads the URLs resolved so far. */
function syncWithModuleLog(args: readonly string[]) {
  const log = join(work, `modules-${++runs}.txt`);
  writeFileSync(log, '');
  const child = execa(process.execPath, ['--import', pathToFileURL(hook).href, sync, ...args], {
    reject: false,
    stdin: 'ignore',
    cwd: root,
    // A loaded machine may take more than execa's default 5 s to close the emulator after SIGTERM.
    forceKillAfterDelay: false,
    // From the sources: the hook sees the modules Node resolves, which a bundle hides.
    env: { SYNC_TEST_MODULE_LOG: log, SYNC_HOME: join(work, 'home'), SYNC_FROM_SOURCE: '1' },
  });
  return { child, modules: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const emulatorModules = (modules: readonly string[]) => modules.filter((url) => EMULATORS.some((dir) => url.startsWith(dir)));

const ENGINE = pathToFileURL(join(root, 'packages/engine/src')).href + '/';
/** The modules of `@sync/engine/lite`: the only engine modules the help may load. */
const LITE = ['lite.ts', 'timeouts.ts', 'duration.ts', 'redactor.ts'].map((file) => ENGINE + file);
/** Modules of the engine (but lite's), of the protocol, and zod. */
const engineModules = (modules: readonly string[]) =>
  modules.filter(
    (url) =>
      (url.startsWith(ENGINE) && !LITE.includes(url)) ||
      url.startsWith(pathToFileURL(join(root, 'packages/protocol/src')).href + '/') ||
      url.includes('/node_modules/zod/'),
  );

describe('the CLI loads the emulators only for `sync emulator`', () => {
  for (const args of [['--help'], ['run', '--help'], ['emulator', 'stripe', '--help']]) {
    it(`sync ${args.join(' ')} loads no emulator module`, async () => {
      const { child, modules } = syncWithModuleLog(args);
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(modules().some((url) => url.endsWith('/apps/cli/src/commands/emulator.ts'))).toBe(true);
      expect(emulatorModules(modules())).toEqual([]);
    });
  }

  it('sync emulator stripe loads the Stripe emulator (the log sees it)', async () => {
    const { child, modules } = syncWithModuleLog(['emulator', 'stripe', '--port', '0', '--objects', '10']);
    await new Promise<void>((resolve, reject) => {
      let banner = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        banner += chunk;
        if (banner.includes('Press Ctrl-C to stop')) resolve();
      });
      void child.then((result) => reject(new Error(`sync emulator stripe exited (${result.exitCode}) before listening: ${banner}`)));
    });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, `${result.signal} ${result.stderr}`).toBe(0);
    expect(emulatorModules(modules())).toContain(pathToFileURL(join(root, 'packages/stripe-emulator/src/index.ts')).href);
  });
});

describe('the CLI loads the engine only for commands that run connectors', () => {
  for (const args of [['--help'], ['run', '--help']]) {
    it(`sync ${args.join(' ')} loads no module of the engine but @sync/engine/lite's, none of the protocol, no zod`, async () => {
      const { child, modules } = syncWithModuleLog(args);
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      // run.ts, which main.ts imports, takes the engine's defaults from lite (`sync run --help` shows them).
      expect(modules()).toContain(ENGINE + 'lite.ts');
      if (args[0] === 'run') expect(result.stdout).toContain('(default 2m; 0: no limit)');
      expect(engineModules(modules())).toEqual([]);
    });
  }

  it('sync dest postgres spec loads the engine (the log sees it)', async () => {
    const { child, modules } = syncWithModuleLog(['dest', 'postgres', 'spec']);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(engineModules(modules())).toContain(ENGINE + 'index.ts');
  });
});
