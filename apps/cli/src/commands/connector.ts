/**
 * `sync source <name> <command…>` and `sync dest <name> <command…>`: run a connector's own command
 * (spec, check, discover, read, write) with stdio passed straight through, so connectors can be piped
 * by hand: `sync source stripe read … | sync dest postgres write …`.
 *
 * Not through the engine's `spawnConnector` on purpose (docs/decisions/0010): this is the user running
 * a program in their terminal, so it keeps their environment and the terminal's process group (Ctrl-C
 * stops it), where a sync gives a connector an allow-listed environment and a group of its own.
 */
import { defineCommand } from 'citty';
import type { ConnectorRole } from '@sync/engine';
import { builtinConnectors } from '../builtins.ts';
import { UserError } from '../user-error.ts';

/** Runs the connector with the remaining arguments; resolves to its exit code. */
export async function passThrough(role: ConnectorRole, rawArgs: readonly string[]): Promise<number> {
  const [name, ...rest] = rawArgs;
  if (!name || name.startsWith('-')) {
    const builtins = Object.keys(builtinConnectors[role]).join(', ');
    throw new UserError(`usage: sync ${role === 'source' ? 'source' : 'dest'} <name> <spec|check|${role === 'source' ? 'discover|read' : 'write'}> [options] (built-in: ${builtins})`);
  }
  const [{ resolveConnector }, { execa }] = await Promise.all([import('@sync/engine'), import('execa')]);
  const command = resolveConnector(role, name, builtinConnectors);
  const result = await execa(command.file, [...command.args, ...rest], { stdio: 'inherit', reject: false });
  if (result.signal) return 128 + 1;
  return result.exitCode ?? 1;
}

function connectorCommand(role: ConnectorRole, name: string, description: string) {
  return defineCommand({
    meta: { name, description },
    args: {
      name: { type: 'positional', description: `${role} name (${Object.keys(builtinConnectors[role]).join(', ')}, or a command)`, required: true },
    },
    async run({ rawArgs }) {
      process.exitCode = await passThrough(role, rawArgs);
    },
  });
}

export const sourceCommand = connectorCommand(
  'source',
  'source',
  "Run a source's own command: spec | check --config F | discover --config F | read --config F --catalog F [--state F]",
);
export const destCommand = connectorCommand(
  'destination',
  'dest',
  "Run a destination's own command: spec | check --config F | write --config F --catalog F (messages on stdin)",
);
