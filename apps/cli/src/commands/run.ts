import { defineCommand, type ArgsDef } from 'citty';
import { DEFAULT_CATALOG_MAX_AGE_MS, DEFAULT_TIMEOUTS, formatDuration } from '@sync/engine/lite';
import { UserError } from '../user-error.ts';

/** The flags of `sync run`; `RunFlags` (commands/run-action.ts) is what citty parses them into. */
export const runArgs = {
  source: { type: 'string', description: 'Source: a built-in name (stripe), source-<name> on PATH, or a command (required without --server)', valueHint: 'NAME' },
  dest: { type: 'string', description: 'Destination: a built-in name (postgres), destination-<name> on PATH, or a command (required without --server)', valueHint: 'NAME' },
  pipeline: { type: 'string', description: 'Pipeline id that keys the saved state (default: <source>-<dest>); with --server, the stored pipeline to run', valueHint: 'ID' },
  server: {
    type: 'string',
    description:
      'Run the pipeline stored on this sync server (sync serve; sync pipelines create) instead of here, and follow it: the same progress and logs, Ctrl-C cancels it. ' +
      'Takes --pipeline, --streams, --full-refresh and the output flags; the token comes from SYNC_API_TOKEN, else $SYNC_HOME/api-token',
    valueHint: 'URL',
  },
  streams: { type: 'string', description: 'Comma-separated streams to sync (default: all)', valueHint: 'a,b' },
  'full-refresh': { type: 'boolean', description: 'Ignore saved state and read every stream from the start' },
  'dest-mode': {
    type: 'string',
    description:
      'How the destination writes: append_dedup (upsert by primary key; default where streams have one), append, ' +
      'or overwrite (read everything, swap the new tables in at the end)',
    valueHint: 'MODE',
  },
  'refresh-catalog': {
    type: 'boolean',
    description:
      `Run the source's discover even though its catalog was kept from an earlier run (kept per pipeline for the same source version and ` +
      `config, up to ${formatDuration(DEFAULT_CATALOG_MAX_AGE_MS)}): to pick up streams or fields the source has gained`,
  },
  'source-config': {
    type: 'string',
    description:
      'Source config: a JSON file (chmod 600; where secrets go, never inline: argv is in ps and shell history), or inline JSON ' +
      'for settings that are not secret (Stripe: api_key from STRIPE_API_KEY, base_url from STRIPE_BASE_URL)',
    valueHint: 'FILE|JSON',
  },
  'dest-config': {
    type: 'string',
    description: 'Destination config: a JSON file (chmod 600) or inline JSON without secrets (Postgres: url from DATABASE_URL)',
    valueHint: 'FILE|JSON',
  },
  'pass-env': {
    type: 'string',
    description:
      'Also pass this variable of your environment to both connectors (repeatable, or A,B); they get only PATH, HOME, LANG, LC_*, TZ, TMPDIR otherwise. Its value is masked in logs',
    valueHint: 'NAME',
  },
  'command-timeout': {
    type: 'string',
    description: `Fail when a connector's spec, check or discover runs longer than this (default ${formatDuration(DEFAULT_TIMEOUTS.commandMs)}; 0: no limit)`,
    valueHint: 'DURATION',
  },
  'source-idle-timeout': {
    type: 'string',
    description:
      `Fail the run when the source sends nothing (no record, state, log or trace) for this long (default ${formatDuration(DEFAULT_TIMEOUTS.sourceIdleMs)}; ` +
      '0: no limit); committed checkpoints are kept',
    valueHint: 'DURATION',
  },
  'destination-idle-timeout': {
    type: 'string',
    description:
      `Fail the run when the destination neither reads its input nor answers for this long (default ${formatDuration(DEFAULT_TIMEOUTS.destinationIdleMs)}; ` +
      '0: no limit)',
    valueHint: 'DURATION',
  },
  plain: { type: 'boolean', description: 'Plain progress lines on stderr instead of the live terminal view' },
  'log-format': {
    type: 'string',
    description: 'Logs on stderr: pretty (human lines, the default) or json (one JSON object per line); env SYNC_LOG_FORMAT',
    valueHint: 'pretty|json',
  },
  'log-level': {
    type: 'string',
    description: 'Least level logged: trace, debug, info (default), warn, error, fatal, silent; env SYNC_LOG_LEVEL',
    valueHint: 'LEVEL',
  },
} as const satisfies ArgsDef;

export const runCommand = defineCommand({
  meta: {
    name: 'run',
    description:
      'Sync a source into a destination, resuming from the last committed checkpoint. ' +
      'State and run history go to DATABASE_URL, or to an embedded Postgres under SYNC_HOME (./.sync) when unset.',
  },
  args: runArgs,
  async run({ args, rawArgs }) {
    // The engine, the state store, the API client and the terminal view load only when a run starts, not for --help.
    if (args.server !== undefined) {
      const { remoteRunAction } = await import('../remote/remote-run.ts');
      await remoteRunAction(args, args.server);
      return;
    }
    const { source, dest } = args;
    if (!source || !dest) throw new UserError(`${source ? '--dest' : '--source'} is required (or --server URL --pipeline ID to run a pipeline stored on a sync server)`);
    const { runAction } = await import('./run-action.ts');
    await runAction(Object.assign(args, { source, dest }), rawArgs);
  },
});
