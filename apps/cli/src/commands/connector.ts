/**
 * `sync source <name> <command…>` and `sync dest <name> <command…>`: run a connector's own command
 * (spec, check, discover, read, write) with stdio passed straight through, so connectors can be piped
 * by hand: `sync source stripe read … | sync dest postgres write …`.
 */
import { defineCommand } from 'citty';
import { execa } from 'execa';
import { resolveConnector, type ConnectorKind } from '@sync/engine';
import { builtinConnectors } from '../builtins.ts';
import { UserError } from '../user-error.ts';

/** Runs the connector with the remaining arguments; resolves to its exit code. */
export async function passThrough(kind: ConnectorKind, rawArgs: readonly string[]): Promise<number> {
  const [name, ...rest] = rawArgs;
  if (!name || name.startsWith('-')) {
    const builtins = Object.keys(builtinConnectors[kind]).join(', ');
    throw new UserError(`usage: sync ${kind === 'source' ? 'source' : 'dest'} <name> <spec|check|${kind === 'source' ? 'discover|read' : 'write'}> [options] (built-in: ${builtins})`);
  }
  const command = resolveConnector(kind, name, builtinConnectors);
  const result = await execa(command.file, [...command.args, ...rest], { stdio: 'inherit', reject: false });
  if (result.signal) return 128 + 1;
  return result.exitCode ?? 1;
}

function connectorCommand(kind: ConnectorKind, name: string, description: string) {
  return defineCommand({
    meta: { name, description },
    args: {
      name: { type: 'positional', description: `${kind} name (${Object.keys(builtinConnectors[kind]).join(', ')}, or a command)`, required: true },
    },
    async run({ rawArgs }) {
      process.exitCode = await passThrough(kind, rawArgs);
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
