import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConnectorFailure } from './call-connector.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import type { SyncEvent } from './events.ts';
import { REDACTED } from './redactor.ts';
import { RunSecrets } from './secrets.ts';
import { readSpecsAndDiscover } from './specs-and-catalog.ts';

const spec = { type: 'object', properties: { token: { type: 'string', airbyte_secret: true } } };
const catalog = { streams: [{ name: 'widgets', json_schema: {}, supported_sync_modes: ['full_refresh'] }] };
const token = 'tok-9f8e7d';
const env = connectorEnvironment(process.env);
let dir: string;
const servers: Server[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-specs-catalog-'));
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/**
 * A meeting point on a Unix socket: a `spec` connection is answered `go` only once a `discover`
 * connection has closed, which happens when that discover process exits.
 */
async function meetingPoint(name: string): Promise<string> {
  const path = join(dir, `${name}.sock`);
  const waiting: Socket[] = [];
  let discovered = false;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (data) => {
      if (!String(data).startsWith('spec')) {
        socket.on('close', () => {
          discovered = true;
          for (const spec of waiting.splice(0)) spec.end('go');
        });
      } else if (discovered) socket.end('go');
      else waiting.push(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

/**
 * A source whose `spec` cannot finish before its `discover` has leaked the token on stderr and
 * exited (after its CATALOG, or with `failDiscover` a TRACE ERROR quoting the token): spec waits at
 * the meeting point for discover to be gone. Run one after the other, spec would wait until its
 * time limit.
 */
async function rendezvousSource(name: string, failDiscover: boolean): Promise<{ command: ConnectorCommand; configPath: string }> {
  const socket = await meetingPoint(name);
  const file = join(dir, `${name}.mjs`);
  await writeFile(
    file,
    `import { readFileSync } from 'node:fs';
     import { connect } from 'node:net';
     const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
     const [command, , configPath] = process.argv.slice(2);
     if (command === 'spec') {
       const socket = connect(${JSON.stringify(socket)}, () => socket.write('spec'));
       socket.on('data', () => {
         out({ type: 'SPEC', spec: { connectionSpecification: ${JSON.stringify(spec)} } });
         socket.destroy();
       });
     } else {
       const { token } = JSON.parse(readFileSync(configPath, 'utf8'));
       process.stderr.write('discovering with token=' + token + '\\n');
       const socket = connect(${JSON.stringify(socket)}, () => socket.write('discover', () => {
         if (${failDiscover}) {
           out({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'login refused for token=' + token, failure_type: 'config_error' } } });
           process.exitCode = 1;
         } else {
           out({ type: 'CATALOG', catalog: ${JSON.stringify(catalog)} });
         }
         // Held open until this process exits: its closing tells spec that discover is gone.
         socket.unref();
       }));
     }`,
  );
  const configPath = join(dir, `${name}-config.json`);
  await writeFile(configPath, JSON.stringify({ token }));
  return { command: { name, file: process.execPath, args: [file] }, configPath };
}

async function start(name: string, failDiscover: boolean) {
  const { command, configPath } = await rendezvousSource(name, failDiscover);
  const destination = join(dir, `${name}-destination.mjs`);
  await writeFile(destination, `console.log(JSON.stringify({ type: 'SPEC', spec: { connectionSpecification: { type: 'object' } } }));`);
  const secrets = new RunSecrets();
  const events: SyncEvent[] = [];
  const running = readSpecsAndDiscover(secrets, {
    source: command,
    destination: { name: 'destination', file: process.execPath, args: [destination] },
    configs: { source: { token }, destination: {} },
    sourceConfigPath: configPath,
    env,
    emit: (event) => events.push(secrets.maskEvent(event)),
    timeoutMs: 20_000,
  });
  return { running, secrets, events };
}

it("runs discover while the specs are read, and passes on its stderr only once the secrets are known, masked", async () => {
  const { running, events } = await start('concurrent', false);
  expect(await running).toEqual(catalog);
  // No WARN: neither spec failed (a spec that timed out would mask every string, hiding a leak).
  expect(events).toEqual([{ type: 'stderr', role: 'source', connector: 'concurrent', line: `discovering with token=${REDACTED}` }]);
});

it('raises a discover failure only once the specs are read, so its message is masked when it surfaces', async () => {
  const { running, secrets, events } = await start('failing', true);
  // Masked in the rejection handler itself: what runSync would store if the failure surfaced then.
  const surfaced = await running.then(
    () => undefined,
    (error: unknown) => ({ error, masked: secrets.mask(error instanceof Error ? error.message : String(error)) }),
  );
  expect(surfaced?.error).toBeInstanceOf(ConnectorFailure);
  expect(surfaced?.masked).toBe(`failing: login refused for token=${REDACTED}`);
  expect(events).toEqual([{ type: 'stderr', role: 'source', connector: 'failing', line: `discovering with token=${REDACTED}` }]);
});
