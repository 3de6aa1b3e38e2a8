/** `sync serve`: the engine's HTTP API (docs/api.md). The server itself loads only when the command runs. */
import { defineCommand } from 'citty';
import { serviceArgs } from './service-setup.ts';

export const serveArgs = {
  host: { type: 'string', description: 'Address to listen on (0.0.0.0 for every interface; needs SYNC_API_TOKEN)', default: '127.0.0.1' },
  port: { type: 'string', description: 'Port to listen on', default: '4010' },
  workers: { type: 'string', description: 'Runs executed at once by this process (0: API only; runs wait in the queue for `sync worker`)', default: '1' },
  ...serviceArgs,
} as const;

export const serveCommand = defineCommand({
  meta: {
    name: 'serve',
    description:
      'Serve the HTTP API: stored pipelines, runs on a job queue (graphile-worker in the same Postgres), live events, state, Stripe webhooks. ' +
      'Uses DATABASE_URL or the embedded Postgres, as `sync run` does. Needs `Authorization: Bearer <token>`: SYNC_API_TOKEN, or a token made in $SYNC_HOME/api-token (then it listens on localhost only). ' +
      'Docs at /docs, the OpenAPI document at /openapi.json.',
  },
  args: serveArgs,
  async run({ args }) {
    const { serveAction } = await import('./serve-action.ts');
    await serveAction(args);
  },
});
