/** What both suites share: the connector under test, its test configs, and a private dir for files. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceFile } from './conformance-file.ts';
import { ConnectorRun, type CommandOutput, type ConnectorUnderTest } from './connector-run.ts';

export interface SuiteContext {
  connector: ConnectorUnderTest;
  /** The environment of the conformance file's own commands (`readBack`, `teardown`): the caller's. */
  env: NodeJS.ProcessEnv;
  /** The conformance file with its placeholders filled in. */
  file: ConformanceFile;
  /** A private directory (0700) for config, catalog and state files. */
  dir: string;
  /** Longest any one command may run, in ms (the file's `timeoutSeconds`). */
  timeoutMs: number;
}

let counter = 0;

/** Writes `value` as JSON to a fresh 0600 file in the context's dir; returns its path. */
export async function jsonFile(context: SuiteContext, name: string, value: unknown): Promise<string> {
  const path = join(context.dir, `${++counter}-${name}.json`);
  await writeFile(path, JSON.stringify(value), { mode: 0o600 });
  return path;
}

/** Starts `<connector> <argv…>` (input on stdin, when it reads any, is the caller's to write and end). */
export function startCommand(context: SuiteContext, argv: readonly string[]): ConnectorRun {
  return new ConnectorRun(context.connector, argv, context.timeoutMs);
}

/** Runs `<connector> <argv…>` to the end, with `stdin` lines as its input (default: none). */
export async function runToEnd(context: SuiteContext, argv: readonly string[], stdin: readonly string[] = []): Promise<CommandOutput> {
  const command = startCommand(context, argv);
  await command.write(stdin);
  command.end();
  return command.done;
}
