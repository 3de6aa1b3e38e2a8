/**
 * Starting `sync` subcommands that keep running (`serve`, `worker`, `emulator stripe`) for the
 * benchmarks: resolved once a stderr line says they are ready, their output drained after.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';

/** The line by which `sync serve` and `sync emulator …` say they are ready; its group 1 is the URL. */
export const LISTENING = /listening on (http:\/\/[\w.:[\]]+?:\d+)/;

/** apps/cli/bin/sync.js of this checkout. */
export const SYNC_BIN = join(import.meta.dirname, '..', '..', 'apps/cli/bin/sync.js');

/**
 * Starts `sync ARGS` with `env` and resolves once a stderr line matches `ready` (e.g.
 * `/listening on (http:\/\/\S+)/`), with the match.
 *
 * @throws Error with what it said when it exits before that.
 */
export async function startSync(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ match: RegExpMatchArray; child: ResultPromise }> {
  const child = execa(process.execPath, [SYNC_BIN, ...args], { env, reject: false, buffer: false });
  child.stdout?.resume();
  let said = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      said += `${line}\n`;
      const m = ready.exec(line);
      if (m) resolve(m);
    });
    void child.then(() => reject(new Error(`sync ${args.join(' ')} exited before it was ready:\n${said}`)));
  });
  return { match, child };
}
