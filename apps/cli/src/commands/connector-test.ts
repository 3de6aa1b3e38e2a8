/**
 * `sync connector test [--file F] -- <command…>`: the conformance suite against any connector
 * executable (docs/connectors.md, "Testing a connector"). Prints the report on stdout; exits 1 when a
 * check fails.
 */
import { defineCommand } from 'citty';
import { formatReport, passed, testConnector } from '@sync/connector-test';
import { UserError } from '../user-error.ts';

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
      },
      async run({ args, rawArgs }) {
        const command = commandWords(rawArgs, args._);
        if (command.length === 0) throw new UserError('usage: sync connector test [--file conformance.json] -- <command…>');
        let report;
        try {
          report = await testConnector({ command, ...(args.file ? { file: args.file } : {}) });
        } catch (error) {
          throw new UserError((error as Error).message);
        }
        process.stdout.write(formatReport(report));
        process.exitCode = passed(report) ? 0 : 1;
      },
    }),
  },
});
