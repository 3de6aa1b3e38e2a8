/** `sync worker`: executes queued runs from the same queue as `sync serve`, without the HTTP API. */
import { defineCommand } from 'citty';
import { serviceArgs } from './service-setup.ts';

export const workerArgs = {
  concurrency: { type: 'string', description: 'Runs executed at once by this process', default: '1' },
  'metrics-port': { type: 'string', description: 'Serve GET /metrics (Prometheus) on this port; scrapes need the bearer token when SYNC_API_TOKEN is set' },
  'metrics-host': { type: 'string', description: 'Address of the metrics port (other than loopback needs SYNC_API_TOKEN)', default: '127.0.0.1' },
  ...serviceArgs,
} as const;

export const workerCommand = defineCommand({
  meta: {
    name: 'worker',
    description:
      'Execute runs queued by `sync serve` (and its schedules, retries and webhook deliveries) from the job queue in Postgres (graphile-worker), on any machine that reaches DATABASE_URL. ' +
      'One run at a time per pipeline, whatever the number of workers. SIGTERM stops each run at its last checkpoint and puts it back in the queue; a worker that dies loses its runs to another worker, which resumes them. Docs: docs/deployment.md.',
  },
  args: workerArgs,
  async run({ args }) {
    const { failIfFatal, intFlag, serviceLog, untilStopped, withService } = await import('./service-setup.ts');
    const concurrency = intFlag('concurrency', args.concurrency, 1, 64);
    const metricsPort = args['metrics-port'] === undefined ? undefined : intFlag('metrics-port', args['metrics-port'], 0, 65535);
    const token = process.env.SYNC_API_TOKEN || undefined;
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(args['metrics-host']);
    if (metricsPort !== undefined && !loopback && !token) {
      const { UserError } = await import('../user-error.ts');
      throw new UserError(`--metrics-host ${args['metrics-host']} would expose the metrics beyond this machine without a token: set SYNC_API_TOKEN`);
    }
    const log = serviceLog('sync worker', args);
    const { startWorker } = await import('@sync/server');
    const stop = untilStopped();
    await withService(args, concurrency, log, async (options) => {
      const worker = await startWorker({
        ...options,
        concurrency,
        onFatal: stop.fatal,
        ...(metricsPort !== undefined ? { metrics: { host: args['metrics-host'], port: metricsPort, ...(token ? { token } : {}) } } : {}),
      });
      log('info', `taking runs from the queue, ${concurrency} at a time (pid ${process.pid})${worker.metricsUrl ? `; metrics at ${worker.metricsUrl}` : ''}`);
      const signal = await stop.stopped;
      log(signal === 'fatal' ? 'error' : 'info', `${signal}: stopping; runs in progress go back to the queue from their last checkpoint`);
      await worker.close();
    });
    failIfFatal(stop);
  },
});
