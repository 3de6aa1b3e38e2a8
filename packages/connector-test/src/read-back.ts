/**
 * Reading a destination's data back: the conformance file's `readBack` shell command prints the rows
 * of the test stream, one JSON object (the record's data) per line.
 */
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson } from '@sync/protocol';
import type { SuiteContext } from './suite-context.ts';

/** The rows `readBack` printed, each as canonical JSON, sorted; or why they could not be read. */
export type ReadBack = { rows: string[] } | { problem: string };

/** Runs `readBack` in the conformance file's directory, with the caller's environment, within the time limit. */
export async function readBack(context: SuiteContext): Promise<ReadBack> {
  const command = context.file.readBack;
  if (command === undefined) return { problem: 'the conformance file has no "readBack" command' };
  try {
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', command], {
      cwd: dirname(context.file.path),
      env: context.env,
      timeout: context.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    const rows = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => canonicalJson(JSON.parse(l)));
    return { rows: rows.sort() };
  } catch (error) {
    return { problem: `readBack failed: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}` };
  }
}
