import { defineCommand } from 'citty';
import { resolveConnector, runSync } from '@sync/engine';
import { StateStore } from '@sync/state-postgres';
import { builtinConnectors, defaultConfig } from '../builtins.ts';
import { readConfigInput } from '../config-input.ts';
import { openDatabase } from '../database.ts';
import { plainProgress, summary } from '../render-plain.ts';
import { UserError } from '../user-error.ts';

/** `stripe` + `postgres` → `stripe-postgres`; a command line becomes a slug. */
function defaultPipelineId(source: string, destination: string): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${slug(source)}-${slug(destination)}`;
}

export const runCommand = defineCommand({
  meta: {
    name: 'run',
    description:
      'Sync a source into a destination, resuming from the last committed checkpoint. ' +
      'State and run history go to DATABASE_URL, or to an embedded Postgres under SYNC_HOME (./.sync) when unset.',
  },
  args: {
    source: { type: 'string', description: 'Source: a built-in name (stripe), source-<name> on PATH, or a command', required: true, valueHint: 'NAME' },
    dest: { type: 'string', description: 'Destination: a built-in name (postgres), destination-<name> on PATH, or a command', required: true, valueHint: 'NAME' },
    pipeline: { type: 'string', description: 'Pipeline id that keys the saved state (default: <source>-<dest>)', valueHint: 'ID' },
    streams: { type: 'string', description: 'Comma-separated streams to sync (default: all)', valueHint: 'a,b' },
    'full-refresh': { type: 'boolean', description: 'Ignore saved state and read every stream from the start' },
    'source-config': { type: 'string', description: 'Source config, a JSON file or inline JSON (Stripe default: STRIPE_API_KEY, STRIPE_BASE_URL)', valueHint: 'FILE|JSON' },
    'dest-config': { type: 'string', description: 'Destination config, a JSON file or inline JSON (Postgres default: DATABASE_URL)', valueHint: 'FILE|JSON' },
    plain: { type: 'boolean', description: 'Plain progress lines on stderr (currently the only progress view)' },
  },
  async run({ args }) {
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const database = openDatabase(process.env, say);
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let store: StateStore | undefined;
    try {
      const source = resolveConnector('source', args.source, builtinConnectors);
      const destination = resolveConnector('destination', args.dest, builtinConnectors);
      const context = { env: process.env, databaseUrl: () => database.url() };
      const sourceConfig = await defaultConfig('source', args.source, await readConfigInput('--source-config', args['source-config']), context);
      const destinationConfig = await defaultConfig('destination', args.dest, await readConfigInput('--dest-config', args['dest-config']), context);
      store = await StateStore.open({ url: await database.url() });
      const streams = args.streams?.split(',').map((s) => s.trim()).filter(Boolean);
      const result = await runSync({
        pipelineId: args.pipeline ?? defaultPipelineId(args.source, args.dest),
        source,
        sourceConfig,
        destination,
        destinationConfig,
        store,
        ...(streams && streams.length > 0 ? { streams } : {}),
        fullRefresh: Boolean(args['full-refresh']),
        onEvent: plainProgress(say),
        signal: abort.signal,
      });
      // A run that failed before any stream started has nothing to summarise but its error.
      if (Object.keys(result.streams).length > 0) process.stdout.write(`${summary(result)}\n`);
      if (result.failure) throw new UserError(result.failure.message);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await store?.close();
      await database.close();
    }
  },
});
