import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectorCommand } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import { REDACTED } from './redactor.ts';
import { RunSecrets } from './secrets.ts';

let dir: string;
async function script(name: string, body: string): Promise<ConnectorCommand> {
  const file = join(dir, `${name}.mjs`);
  await writeFile(file, body);
  return { name, file: process.execPath, args: [file] };
}
const spec = { type: 'object', properties: { token: { type: 'string', airbyte_secret: true }, region: { type: 'string' } } };
const env = connectorEnvironment(process.env);
let withSpec: ConnectorCommand;
let noSpec: ConnectorCommand;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-secrets-'));
  withSpec = await script('with-spec', `console.log(JSON.stringify({ type: 'SPEC', spec: { connectionSpecification: ${JSON.stringify(spec)} } }));`);
  noSpec = await script('no-spec', `process.stderr.write('spec is broken\\n'); process.exit(3);`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it("masks what each connector's spec marks secret, and nothing else of its config", async () => {
  const secrets = new RunSecrets();
  const warnings: string[] = [];
  await secrets.readSpecs(
    { source: { command: withSpec, config: { token: 'tok-abc', region: 'eu-west' } }, destination: { command: withSpec, config: { token: 'tok-def' } } },
    env,
    (_role, _connector, message) => warnings.push(message),
  );
  expect(warnings).toEqual([]);
  expect(secrets.mask('tok-abc tok-def eu-west')).toBe(`${REDACTED} ${REDACTED} eu-west`);
});

it('fails closed: a connector whose spec fails has every string of its config masked, and says so', async () => {
  const secrets = new RunSecrets();
  const warnings: string[] = [];
  await secrets.readSpecs(
    { source: { command: noSpec, config: { token: 'tok-abc', region: 'eu-west', count: 5 } }, destination: { command: withSpec, config: { region: 'us-east' } } },
    env,
    (role, connector, message) => warnings.push(`${role} ${connector}: ${message}`),
  );
  expect(secrets.mask('tok-abc eu-west 5 us-east')).toBe(`${REDACTED} ${REDACTED} 5 us-east`);
  expect(warnings).toEqual([expect.stringMatching(/^source no-spec: could not read the spec of no-spec, so every string of its config is masked as a secret: .*exited with code 3/)]);
});

it('masks a token handed over mid-run (CONTROL) in that event and from then on, and values named by the caller', async () => {
  const secrets = new RunSecrets(['postgres://store:store-pw@db/x', undefined]);
  await secrets.readSpecs({ source: { command: withSpec, config: {} }, destination: { command: withSpec, config: {} } }, env, () => {});
  expect(secrets.mask('before: tok-new')).toBe('before: tok-new');
  const event = secrets.maskEvent({ type: 'config_update', role: 'source', connector: 'with-spec', keys: ['token', 'region'], changes: { token: 'tok-new', region: 'ap' } });
  expect(event).toEqual({ type: 'config_update', role: 'source', connector: 'with-spec', keys: ['token', 'region'], changes: { token: REDACTED, region: 'ap' } });
  expect(secrets.mask('after: tok-new; store-pw')).toBe(`after: ${REDACTED}; ${REDACTED}`);
  expect(secrets.maskDeep({ failure: { message: 'login as tok-new' } })).toEqual({ failure: { message: `login as ${REDACTED}` } });
});
