/**
 * What `sync pipelines …` does once its flags are parsed: one call of the server's API each, through
 * the typed client (`@sync/api-client`), printed as a table or text, or as the API's JSON (`--json`).
 * The server's errors arrive as one line (`404 pipeline "x" does not exist`), which the CLI prints as
 * `sync: error: …`.
 */
import type { ParsedArgs } from 'citty';
import { bodyOf, createSyncClient, type Pipeline, type Run, type SyncClient } from '@sync/api-client';
import { defaultConfig } from '../builtins.ts';
import { readConfigInput } from '../config-input.ts';
import { serverAccess } from '../remote/server-access.ts';
import { UserError } from '../user-error.ts';
import type { pipelineCreateArgs, pipelineIdArgs, pipelineListArgs, pipelineShowArgs } from './pipelines.ts';
import { table } from './runs.ts';
import { formatCount } from '../format-count.ts';


async function client(server: string | undefined): Promise<{ client: SyncClient; baseUrl: string }> {
  const access = await serverAccess(server, process.env);
  return { client: createSyncClient(access), baseUrl: access.baseUrl };
}

/** `stripe → postgres`. */
function route(pipeline: Pipeline): string {
  return `${pipeline.source.name} → ${pipeline.destination.name}`;
}

/** When a run last changed: finished, else started, else queued (ISO 8601, to the second). */
function when(run: Run): string {
  return (run.finished_at ?? run.started_at ?? run.created_at).replace(/\.\d+Z$/, 'Z');
}

function committed(run: Run): number {
  return Object.values(run.streams).reduce((n, s) => n + s.records_committed, 0);
}

/** The `pipelines list` table: id, source → destination, last run's status and when. */
export function pipelinesTable(pipelines: readonly Pipeline[]): string {
  const rows = pipelines.map((p) => [
    p.id,
    route(p),
    p.last_run ? p.last_run.status : p.config_stored ? 'never run' : 'made by sync run',
    p.last_run ? when(p.last_run) : '',
  ]);
  return table(['pipeline', 'source → destination', 'last run', 'when'], rows);
}

/** The `pipelines show` text. */
export function pipelineDetails(pipeline: Pipeline): string {
  const streams =
    pipeline.streams === null
      ? 'every stream the source discovers'
      : pipeline.streams
          .map((s) => [s.name, [s.sync_mode, s.destination_sync_mode].filter(Boolean).join(', '), s.fields ? `fields ${s.fields.join(', ')}` : ''].filter(Boolean).join(' '))
          .join('\n          ');
  const run = pipeline.last_run;
  return [
    `pipeline ${pipeline.id}: ${route(pipeline)}${pipeline.config_stored ? '' : ' (made by `sync run`: no stored config, run it with `sync run`)'}`,
    `source       ${pipeline.source.name} ${JSON.stringify(pipeline.source.config)}`,
    `destination  ${pipeline.destination.name} ${JSON.stringify(pipeline.destination.config)}`,
    `streams   ${streams}`,
    `created   ${pipeline.created_at}`,
    `updated   ${pipeline.updated_at}`,
    run
      ? `last run  ${run.id} ${run.status} at ${when(run)}: ${formatCount(committed(run))} records committed${run.error ? `\n          error: ${run.error}` : ''}`
      : 'last run  none',
  ].join('\n');
}

/**
 * `sync pipelines create`: the configs from files or inline JSON (the Stripe source's key and URL
 * from STRIPE_API_KEY and STRIPE_BASE_URL when not given, as `sync run` takes them).
 *
 * @throws UserError for a config that cannot be read, or a Stripe source without a key; ApiError for
 *   what the server refuses (a config that does not match the spec: 400 with each field).
 */
export async function createPipeline(args: ParsedArgs<typeof pipelineCreateArgs>): Promise<void> {
  const noDatabase = () => Promise.reject(new UserError('the destination database is the server\'s to choose'));
  const sourceConfig = await defaultConfig('source', args.source, await readConfigInput('--source-config', args['source-config']), { env: process.env, databaseUrl: noDatabase });
  const destinationConfig = (await readConfigInput('--dest-config', args['dest-config'])) ?? {};
  const streams = args.streams?.split(',').map((s) => s.trim()).filter(Boolean);
  const { client: api, baseUrl } = await client(args.server);
  const pipeline = bodyOf(
    await api.POST('/pipelines', {
      body: {
        ...(args.id ? { id: args.id } : {}),
        source: { name: args.source, config: sourceConfig },
        destination: { name: args.dest, config: destinationConfig },
        ...(streams && streams.length > 0 ? { streams: streams.map((name) => ({ name })) } : {}),
      },
    }),
  );
  process.stdout.write(`created pipeline ${pipeline.id}: ${route(pipeline)}\n`);
  process.stderr.write(`run it with: sync run --server ${baseUrl} --pipeline ${pipeline.id}\n`);
}

/** `sync pipelines list`. */
export async function listPipelines(args: ParsedArgs<typeof pipelineListArgs>): Promise<void> {
  const { client: api, baseUrl } = await client(args.server);
  const { data } = bodyOf(await api.GET('/pipelines'));
  if (args.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (data.length === 0) process.stderr.write(`no pipelines on ${baseUrl} yet (sync pipelines create)\n`);
  else process.stdout.write(`${pipelinesTable(data)}\n`);
}

/** `sync pipelines show ID`. */
export async function showPipeline(args: ParsedArgs<typeof pipelineShowArgs>): Promise<void> {
  const { client: api } = await client(args.server);
  const pipeline = bodyOf(await api.GET('/pipelines/{id}', { params: { path: { id: args.id } } }));
  process.stdout.write(args.json ? `${JSON.stringify(pipeline, null, 2)}\n` : `${pipelineDetails(pipeline)}\n`);
}

/** `sync pipelines delete ID`: 409 (ApiError) while a run is queued or running. */
export async function deletePipeline(args: ParsedArgs<typeof pipelineIdArgs>): Promise<void> {
  const { client: api } = await client(args.server);
  await api.DELETE('/pipelines/{id}', { params: { path: { id: args.id } } });
  process.stdout.write(`deleted pipeline ${args.id} with its runs, state and stored configs (the data in its destination is kept)\n`);
}
