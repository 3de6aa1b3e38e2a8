/**
 * The dependency rules of DESIGN.md, checked on package.json files and on every import in the source:
 * protocol depends on no workspace package; connectors depend only on protocol; sources and
 * destinations never import each other; the engine knows connectors only through the protocol.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

interface Pkg {
  dir: string;
  name: string;
  /** Workspace packages in `dependencies`. */
  deps: string[];
  /** Workspace packages in `devDependencies` (test servers and the like). */
  devDeps: string[];
  imports: { file: string; specifier: string; test: boolean }[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js)$/.test(entry) ? [path] : [];
  });
}

function load(dir: string): Pkg {
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const workspace = (deps: Record<string, string> = {}) => Object.keys(deps).filter((d) => d.startsWith('@sync/'));
  const deps = workspace(manifest.dependencies);
  const devDeps = workspace(manifest.devDependencies);
  const imports = ['src', 'bin']
    .map((d) => join(root, dir, d))
    .filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    })
    .flatMap(sourceFiles)
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](@sync\/[^'"]+)['"]/g)].map((m) => ({
        file: relative(root, file),
        specifier: m[1]!.split('/').slice(0, 2).join('/'),
        test: /\.test\.tsx?$|test-support/.test(file),
      })),
    );
  return { dir, name: manifest.name, deps, devDeps, imports };
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

/** What a package uses at run time: its dependencies and the imports of its non-test files. */
function uses(pkg: Pkg): Set<string> {
  return new Set([...pkg.deps, ...pkg.imports.filter((i) => !i.test).map((i) => i.specifier)]);
}

/** Everything a package touches, tests included. */
function touches(pkg: Pkg): Set<string> {
  return new Set([...pkg.deps, ...pkg.devDeps, ...pkg.imports.map((i) => i.specifier)]);
}

/** What a connector may depend on at run time: the protocol and the small connector kit built on it. */
const CONNECTOR_MAY_USE = new Set(['@sync/protocol', '@sync/connector-kit']);

describe('layer rules', () => {
  it('finds the workspace packages', () => {
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@sync/protocol', '@sync/engine', '@sync/source-stripe', '@sync/destination-postgres', '@sync/cli']),
    );
  });

  it('the connector kit depends only on protocol', () => {
    const kit = packages.find((p) => p.name === '@sync/connector-kit')!;
    expect([...uses(kit)].filter((d) => d !== '@sync/protocol' && d !== kit.name)).toEqual([]);
  });

  it('protocol depends on no other workspace package', () => {
    const protocol = packages.find((p) => p.name === '@sync/protocol')!;
    expect([...uses(protocol)].filter((d) => d !== '@sync/protocol')).toEqual([]);
  });

  it('connectors depend only on protocol at run time', () => {
    const connectors = packages.filter((p) => /^@sync\/(source|destination)-/.test(p.name));
    expect(connectors.length).toBeGreaterThanOrEqual(2);
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

  it('the engine and the state store import no connector', () => {
    for (const name of ['@sync/engine', '@sync/state-postgres']) {
      const pkg = packages.find((p) => p.name === name)!;
      const connectors = [...uses(pkg)].filter((d) => /^@sync\/(source|destination)-/.test(d));
      expect(connectors, `${name} imports ${connectors.join(', ')}`).toEqual([]);
    }
  });

  it('every @sync import is declared in package.json', () => {
    for (const pkg of packages) {
      const declared = (i: Pkg['imports'][number]) => pkg.deps.includes(i.specifier) || (i.test && pkg.devDeps.includes(i.specifier));
      const undeclared = pkg.imports.filter((i) => i.specifier !== pkg.name && !declared(i));
      expect(undeclared, `${pkg.name}: ${undeclared.map((i) => `${i.file} → ${i.specifier}`).join('; ')}`).toEqual([]);
    }
  });
});
