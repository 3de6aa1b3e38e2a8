/** What both suites share: the connector command, its test configs, and a private dir for files. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceFile } from './conformance-file.ts';
import { runConnectorCommand, type ConnectorCommand, type RunResult } from './connector-run.ts';

export interface SuiteContext {
  command: ConnectorCommand;
  /** The conformance file with its placeholders filled in. */
  file: ConformanceFile;
  /** A private directory (0700) for config, catalog and state files. */
  dir: string;
  timeoutMs: number;
}

let counter = 0;

/** Writes `value` as JSON to a fresh 0600 file in the context's dir; returns its path. */
export async function jsonFile(context: SuiteContext, name: string, value: unknown): Promise<string> {
  const path = join(context.dir, `${++counter}-${name}.json`);
  await writeFile(path, JSON.stringify(value), { mode: 0o600 });
  return path;
}

/** Runs `<connector> <argv…>` to the end. */
export function run(context: SuiteContext, argv: readonly string[], stdin?: readonly string[]): Promise<RunResult> {
  return runConnectorCommand(context.command, argv, { timeoutMs: context.timeoutMs, ...(stdin ? { stdin } : {}) });
}
