/**
 * `sync connector test [--file F] [--pass-env NAME] -- <command…>`: the conformance suite against any
 * connector executable (docs/connectors.md, "Testing a connector"). The connector runs as `sync run`
 * runs it (allow-listed environment, process group, output caps). Prints the report on stdout; exits 1
 * when a check fails.
 */
import { defineCommand } from 'citty';
import { UserError } from '../user-error.ts';
import { passEnvNames } from '../pass-env.ts';

/** The words after `--`, else the positionals: the connector's command line. */
function commandWords(rawArgs: readonly string[], positionals: readonly string[]): string[] {
  const dashes = rawArgs.indexOf('--');
  return dashes === -1 ? [...positionals] : rawArgs.slice(dashes + 1);
}

export const connectorCommand = defineCommand({
  meta: { name: 'connector', description: 'Tools for connector authors' },
  subCommands: {
    test: defineCommand({
      meta: {
        name: 'test',
        description: 'Run the conformance suite against a connector in any language: sync connector test -- python3 my_source.py',
      },
      args: {
        file: { type: 'string', description: 'The conformance file (default: conformance.json next to the command)' },
        'pass-env': {
          type: 'string',
          description: 'Also pass this variable of your environment to the connector (repeatable, or A,B), as sync run --pass-env does',
          valueHint: 'NAME',
        },
      },
      async run({ args, rawArgs }) {
        const command = commandWords(rawArgs, args._);
        if (command.length === 0) throw new UserError('usage: sync connector test [--file conformance.json] -- <command…>');
        const dashes = rawArgs.indexOf('--');
        const passEnv = passEnvNames(dashes === -1 ? rawArgs : rawArgs.slice(0, dashes));
        const { formatReport, passed, testConnector } = await import('@sync/connector-test');
        let report;
        try {
          report = await testConnector({ command, passEnv, ...(args.file ? { file: args.file } : {}) });
        } catch (error) {
          throw new UserError((error as Error).message);
        }
        process.stdout.write(formatReport(report));
        process.exitCode = passed(report) ? 0 : 1;
      },
    }),
  },
});
