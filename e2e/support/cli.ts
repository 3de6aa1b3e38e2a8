/**
 * Runs the real `sync` CLI as a child process, the way a user does.
 */
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const syncBin = join(repoRoot, 'apps/cli/bin/sync.js');

export interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Env for the CLI: this process's env minus DATABASE_URL/STRIPE_* unless given. */
export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['DATABASE_URL', 'STRIPE_API_KEY', 'STRIPE_BASE_URL', 'SYNC_HOME']) delete env[key];
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Starts `sync <args>`; await it for the result. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv): ResultPromise<{ reject: false; env: NodeJS.ProcessEnv; extendEnv: false; stdin: 'ignore'; cwd: string }> {
  return execa(process.execPath, [syncBin, ...args], { reject: false, env, extendEnv: false, stdin: 'ignore', cwd: repoRoot });
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const result = await startCli(args, env);
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}
