/**
 * How a connector name becomes something to execute. The engine knows connectors only as executables
 * that speak the Airbyte protocol (docs/architecture.md, "Connector resolution"):
 *
 * 1. a built-in connector (the caller passes the table of built-ins: name → bin file, run with this Node);
 * 2. else `source-<name>` / `destination-<name>` found on PATH;
 * 3. else the name is taken as a command line (`python3 my_source.py`).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseCommandString } from 'execa';

/** The part a connector plays in a sync: it reads (`source`) or it writes (`destination`). */
export type ConnectorRole = 'source' | 'destination';

export interface ConnectorCommand {
  /** Name for messages and logs, e.g. `source-stripe` or `python3 my_source.py`. */
  name: string;
  /** Executable to spawn. */
  file: string;
  /** Arguments that come before the connector command (`spec`, `read`, ...). */
  args: readonly string[];
}

/** Built-in connectors: short name (`stripe`) → absolute path of the connector's JavaScript bin file. */
export type BuiltinConnectors = Readonly<Record<ConnectorRole, Readonly<Record<string, string>>>>;

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
 * Resolves a connector name as described above.
 *
 * @throws Error when `name` is empty.
 */
export function resolveConnector(role: ConnectorRole, name: string, builtins: BuiltinConnectors): ConnectorCommand {
  const trimmed = name.trim();
  if (!trimmed) throw new Error(`no ${role} given`);
  const builtin = builtins[role][trimmed];
  if (builtin) return { name: `${role}-${trimmed}`, file: process.execPath, args: [builtin] };
  if (/^[\w.-]+$/.test(trimmed)) {
    const found = onPath(`${role}-${trimmed}`);
    if (found) return { name: `${role}-${trimmed}`, file: found, args: [] };
  }
  const [file, ...args] = parseCommandString(trimmed);
  return { name: trimmed, file: file!, args };
}
