/**
 * How a connector name becomes something to execute. The engine knows connectors only as executables
 * that speak the Airbyte protocol (docs/architecture.md, "Connector resolution"):
 *
 * 1. a built-in connector (the caller passes the table of built-ins: name → bin file, run with this Node);
 * 2. else `source-<name>` / `destination-<name>` found on PATH;
 * 3. else the name is taken as a command line (`python3 my_source.py`).
 *
 * A resolved connector may carry a `version`, which lets the engine reuse the `spec` it read from that
 * version in an earlier run (`RunStore.loadConnectorSpec`) instead of starting a process for it.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The part a connector plays in a sync: it reads (`source`) or it writes (`destination`). */
export type ConnectorRole = 'source' | 'destination';

export interface ConnectorCommand {
  /** Name for messages and logs, e.g. `source-stripe` or `python3 my_source.py`. */
  name: string;
  /** Executable to spawn. */
  file: string;
  /** Arguments that come before the connector command (`spec`, `read`, ...). */
  args: readonly string[];
  /**
   * Changes whenever the executable may answer `spec` differently (a content hash, or a file's path,
   * size and modification time); the engine caches the spec per `name` and `version`. Absent: the
   * spec is read on every run (a command line, whose files the engine does not know).
   */
  version?: string;
}

/**
 * A built-in connector: its JavaScript bin file (absolute path), and a version that changes with its
 * content (a hash of the bundle), so its spec is cached across runs.
 */
export interface BuiltinConnector {
  bin: string;
  version: string;
  /** Options for the Node that runs it, before the bin file, e.g. `['--optimize-for-size']`. */
  nodeOptions?: readonly string[];
}

/**
 * Built-in connectors: short name (`stripe`) → the absolute path of the connector's JavaScript bin
 * file (no version: its spec is read on every run), or a `BuiltinConnector` with a version.
 */
export type BuiltinConnectors = Readonly<Record<ConnectorRole, Readonly<Record<string, string | BuiltinConnector>>>>;

function onPath(executable: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, executable);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The version of an executable file: its resolved path (symlinks followed), size in bytes and
 * modification time in ns. Replacing or editing the file changes it; a wrapper script whose target
 * changes does not (the limit of looking at one file). Undefined when the file cannot be read.
 */
function fileVersion(file: string): string | undefined {
  try {
    const resolved = realpathSync(file);
    const stat = statSync(resolved, { bigint: true });
    return `${resolved}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a connector name as described above. A built-in's version is the one its table gives; an
 * executable found on PATH is versioned by `fileVersion`; a command line has none.
 *
 * @throws Error when `name` is empty.
 */
export function resolveConnector(role: ConnectorRole, name: string, builtins: BuiltinConnectors): ConnectorCommand {
  const trimmed = name.trim();
  if (!trimmed) throw new Error(`no ${role} given`);
  const builtin = builtins[role][trimmed];
  if (builtin) {
    const { bin, version, nodeOptions = [] } = typeof builtin === 'string' ? { bin: builtin, version: undefined } : builtin;
    return { name: `${role}-${trimmed}`, file: process.execPath, args: [...nodeOptions, bin], ...(version ? { version } : {}) };
  }
  if (/^[\w.-]+$/.test(trimmed)) {
    const found = onPath(`${role}-${trimmed}`);
    if (found) {
      const version = fileVersion(found);
      return { name: `${role}-${trimmed}`, file: found, args: [], ...(version ? { version } : {}) };
    }
  }
  const [file, ...args] = commandWords(trimmed);
  return { name: trimmed, file: file!, args };
}

/**
 * The words of a command line: split at runs of spaces, a backslash before a space keeping it in its
 * word (`my\ source.py` is one word); no quotes, no shell. The rule of execa's `parseCommandString`,
 * which the engine used before it spawned connectors with `node:child_process` itself (issue 13).
 */
export function commandWords(command: string): string[] {
  const trimmed = command.trim();
  // A trailing escaped space stays.
  const end = command.trimEnd();
  const text = end.endsWith('\\') && command[end.length] === ' ' ? `${trimmed} ` : trimmed;
  return text.match(/(?:\\ |[^ ])+/g)?.map((word) => word.replaceAll('\\ ', ' ')) ?? [];
}
