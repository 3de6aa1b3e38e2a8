import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectorCommand } from './connector-command.ts';
import { connectorEnvironment } from './connector-env.ts';
import { REDACTED } from './redactor.ts';
import { RunSecrets, type SpecCache } from './secrets.ts';

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

/** A spec cache in memory, as the state store keeps one; `failing` makes every call reject. */
function memoryCache(failing = false): SpecCache & { kept: Map<string, unknown> } {
  const kept = new Map<string, unknown>();
  const fail = () => Promise.reject(new Error('the store is down'));
  return {
    kept,
    loadConnectorSpec: (connector, version) => (failing ? fail() : Promise.resolve(kept.get(`${connector}@${version}`))),
    saveConnectorSpec: async (connector, version, schema) => {
      if (failing) return fail();
      kept.set(`${connector}@${version}`, schema);
    },
  };
}

/** A connector that prints `spec` and appends a line to its calls file each time its spec runs. */
async function counted(name: string, version?: string): Promise<{ command: ConnectorCommand; specCalls: () => Promise<number> }> {
  const calls = join(dir, `${name}.calls`);
  await writeFile(calls, '');
  const command = await script(
    name,
    `import { appendFileSync } from 'node:fs';
     appendFileSync(${JSON.stringify(calls)}, 'spec\\n');
     console.log(JSON.stringify({ type: 'SPEC', spec: { connectionSpecification: ${JSON.stringify(spec)} } }));`,
  );
  const specCalls = async () => (await readFile(calls, 'utf8')).split('\n').filter(Boolean).length;
  return { command: version ? { ...command, version } : command, specCalls };
}

it('reads the spec of a versioned connector once: later runs take it from the cache, and mask by it', async () => {
  const cache = memoryCache();
  const { command, specCalls } = await counted('versioned', 'v1');
  for (const token of ['tok-first', 'tok-second']) {
    const secrets = new RunSecrets();
    const warnings: string[] = [];
    await secrets.readSpecs(
      { source: { command, config: { token, region: 'eu-west' } }, destination: { command, config: {} } },
      env,
      (_role, _connector, message) => warnings.push(message),
      { cache },
    );
    expect(warnings).toEqual([]);
    expect(secrets.mask(`${token} eu-west`)).toBe(`${REDACTED} eu-west`);
  }
  // Both roles missed on the first run (read in parallel); the second started no spec process.
  expect(await specCalls()).toBe(2);
  expect([...cache.kept]).toEqual([['versioned@v1', spec]]);
});

it('reads the spec again for a new version, and every time for a connector without a version', async () => {
  const cache = memoryCache();
  const { command, specCalls } = await counted('changing');
  const sources = [{ ...command, version: 'v1' }, { ...command, version: 'v2' }, command, command];
  for (const source of sources) {
    await new RunSecrets().readSpecs({ source: { command: source, config: {} }, destination: { command: withSpec, config: {} } }, env, () => {}, { cache });
  }
  expect(await specCalls()).toBe(4);
  expect([...cache.kept.keys()]).toEqual(['changing@v1', 'changing@v2']);
});

it('a cache that fails is not a failure: the spec is read, no warning, secrets masked', async () => {
  const { command, specCalls } = await counted('store-down', 'v1');
  const secrets = new RunSecrets();
  const warnings: string[] = [];
  await secrets.readSpecs(
    { source: { command, config: { token: 'tok-abc' } }, destination: { command: withSpec, config: {} } },
    env,
    (_role, _connector, message) => warnings.push(message),
    { cache: memoryCache(true) },
  );
  expect(warnings).toEqual([]);
  expect(await specCalls()).toBe(1);
  expect(secrets.mask('tok-abc')).toBe(REDACTED);
});

it('keeps no spec of a versioned connector whose spec failed (masked closed, read again next run)', async () => {
  const cache = memoryCache();
  const warnings: string[] = [];
  await new RunSecrets().readSpecs(
    { source: { command: { ...noSpec, version: 'v1' }, config: {} }, destination: { command: withSpec, config: {} } },
    env,
    (_role, _connector, message) => warnings.push(message),
    { cache },
  );
  expect(warnings).toHaveLength(1);
  expect(cache.kept.size).toBe(0);
});
