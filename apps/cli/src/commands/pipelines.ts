/**
 * `sync pipelines create|list|show|delete`: the pipelines a `sync serve` keeps (docs/api.md), through
 * its HTTP API. The client loads only when a command runs (pipelines-action.ts), not for `--help`.
 */
import { defineCommand } from 'citty';
import { serverArg } from '../remote/server-access.ts';

export const pipelineCreateArgs = {
  source: { type: 'string', description: 'Source: a built-in name (stripe, faker) or source-<name> on the server\'s PATH', required: true, valueHint: 'NAME' },
  'source-config': {
    type: 'string',
    description:
      'Source config: a JSON file (chmod 600; where secrets go, never inline) or inline JSON without secrets (Stripe: api_key from STRIPE_API_KEY, base_url from STRIPE_BASE_URL). Stored sealed by the server',
    valueHint: 'FILE|JSON',
  },
  dest: { type: 'string', description: 'Destination: a built-in name (postgres, google-sheets) or destination-<name> on the server\'s PATH', required: true, valueHint: 'NAME' },
  'dest-config': {
    type: 'string',
    description: "Destination config: a JSON file (chmod 600) or inline JSON without secrets (Postgres: url defaults to the server's own database)",
    valueHint: 'FILE|JSON',
  },
  id: { type: 'string', description: 'Pipeline id: lower-case letters, digits, - and _ (default: <source>-<dest>, numbered when taken)', valueHint: 'ID' },
  streams: { type: 'string', description: 'Comma-separated streams to sync (default: every stream the source discovers)', valueHint: 'a,b' },
  server: serverArg,
} as const;

export const pipelineListArgs = {
  server: serverArg,
  json: { type: 'boolean', description: 'Print the pipelines as the API returns them (JSON)' },
} as const;

export const pipelineIdArgs = {
  id: { type: 'positional', description: 'Pipeline id (from sync pipelines list)', required: true, valueHint: 'ID' },
  server: serverArg,
} as const;

export const pipelineShowArgs = {
  ...pipelineIdArgs,
  json: { type: 'boolean', description: 'Print the pipeline as the API returns it (JSON)' },
} as const;

export const pipelinesCommand = defineCommand({
  meta: {
    name: 'pipelines',
    description: 'Manage the pipelines of a sync server (sync serve): create, list, show, delete. Run one with sync run --server URL --pipeline ID',
  },
  subCommands: {
    create: defineCommand({
      meta: { name: 'create', description: "Create a pipeline on the server: the server checks each config against its connector's spec and stores it sealed" },
      args: pipelineCreateArgs,
      async run({ args }) {
        await (await import('./pipelines-action.ts')).createPipeline(args);
      },
    }),
    list: defineCommand({
      meta: { name: 'list', description: 'List the pipelines of the server with their last run' },
      args: pipelineListArgs,
      async run({ args }) {
        await (await import('./pipelines-action.ts')).listPipelines(args);
      },
    }),
    show: defineCommand({
      meta: { name: 'show', description: 'Show one pipeline: connectors, configs (secrets masked), streams, last run' },
      args: pipelineShowArgs,
      async run({ args }) {
        await (await import('./pipelines-action.ts')).showPipeline(args);
      },
    }),
    delete: defineCommand({
      meta: { name: 'delete', description: "Delete a pipeline with its runs, state and stored configs (not the data in its destination)" },
      args: pipelineIdArgs,
      async run({ args }) {
        await (await import('./pipelines-action.ts')).deletePipeline(args);
      },
    }),
  },
});
