/**
 * `sync serve`'s doors (issue 14): every route but `/health`, the docs and the signature-checked
 * webhook route answers 401 (problem+json, `WWW-Authenticate: Bearer`) without a token and with a
 * wrong one; requests are checked field by field (400 with `errors`), unknown resources are 404; a
 * stored config's secrets come back masked, a PATCH that sends the mask back keeps them, and `check`,
 * `discover` and `/connectors` say nothing secret. Then no secret in any answer, in the server's
 * output, or in a pg_dump of its database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiResponse } from './support/api-client.ts';
import { startApiHarness, type ApiHarness } from './support/api-harness.ts';
import { searchForSecrets } from './support/api-secrets.ts';
import { freshSchema } from './support/database.ts';

type Json = Record<string, unknown>;
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id: string;
  errors?: { path: string; in: string; message: string }[];
}
interface OpenApi {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

const MASK = '**********';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
let h: ApiHarness;
const schema = freshSchema('api_sec');
/** A key the emulator refuses: a secret too. */
const wrongKey = `sk_test_${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  h = await startApiHarness({ objects: 60, seed: 'api-security' });
});
afterAll(() => h?.close());

/** A problem document of `status`, as RFC 9457 says and the API promises. */
function expectProblem(response: ApiResponse<Problem>, status: number, type: string): Problem {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.body).toMatchObject({ type: `/problems/${type}`, status, title: expect.any(String), detail: expect.any(String), request_id: expect.any(String) });
  expect(response.headers.get('x-request-id')).toBe(response.body.request_id);
  return response.body;
}

/** Every operation of the OpenAPI document, its path parameters filled in. */
async function operations(): Promise<{ method: string; template: string; path: string }[]> {
  const doc = await h.client.get<OpenApi>('/openapi.json', { token: null });
  expect(doc.status).toBe(200);
  return Object.entries(doc.body.paths).flatMap(([template, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((method) => ({ method: method.toUpperCase(), template, path: template.replace(/\{[^}]+\}/g, 'any-id') })),
  );
}

it('/health, /openapi.json and /docs need no token', async () => {
  const health = await h.client.get('/health', { token: null });
  expect([health.status, health.body]).toEqual([200, { status: 'ok' }]);
  expect((await h.client.get('/openapi.json', { token: null })).status).toBe(200);
  expect((await h.client.get('/docs', { token: null })).status).toBe(200);
});

it('every other route answers 401 problem+json with WWW-Authenticate, without a token and with a wrong one', async () => {
  const guarded = (await operations()).filter((o) => o.template !== '/health' && !o.template.startsWith('/webhooks/'));
  // Issue 14's routes are all there, and guarded.
  const names = guarded.map((o) => `${o.method} ${o.template}`);
  for (const route of [
    'GET /connectors', 'GET /audit', 'POST /pipelines', 'GET /pipelines', 'GET /pipelines/{id}', 'PATCH /pipelines/{id}', 'DELETE /pipelines/{id}',
    'POST /pipelines/{id}/check', 'POST /pipelines/{id}/discover', 'POST /pipelines/{id}/runs', 'GET /pipelines/{id}/runs', 'GET /runs/{id}',
    'POST /runs/{id}/cancel', 'GET /runs/{id}/events', 'GET /pipelines/{id}/state', 'DELETE /pipelines/{id}/state',
  ]) {
    expect(names).toContain(route);
  }
  for (const { method, path } of guarded) {
    const body = method === 'POST' || method === 'PATCH' ? { json: {} } : {};
    const none = await h.client.request<Problem>(method, path, { ...body, token: null });
    expectProblem(none, 401, 'unauthorized');
    expect(none.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer realm="sync"/);
    expect(none.body.instance).toBe(path);
    const wrong = await h.client.request<Problem>(method, path, { ...body, token: `${h.server.token}x` });
    expectProblem(wrong, 401, 'invalid-token');
    expect(wrong.headers.get('www-authenticate'), `${method} ${path}`).toMatch(/^Bearer realm="sync", error="invalid_token"/);
    const basic = await h.client.request<Problem>(method, path, { ...body, token: null, headers: { authorization: `Basic ${Buffer.from(`u:${h.server.token}`).toString('base64')}` } });
    expectProblem(basic, 401, 'unauthorized');
  }
});

it('a bad body is a 400 naming each field; an unknown pipeline or run is a 404', async () => {
  const bad = await h.client.post<Problem>('/pipelines', { id: 'Not An Id!', source: { name: 5 }, streams: [] });
  const problem = expectProblem(bad, 400, 'invalid-request');
  expect(problem.errors?.map((e) => e.path).sort()).toEqual(['/destination', '/id', '/source/name', '/streams']);
  expect(new Set(problem.errors?.map((e) => e.in))).toEqual(new Set(['body']));
  const malformed = await h.client.request<Problem>('POST', '/pipelines', { raw: '{"source": ', headers: { 'content-type': 'application/json' } });
  expect(expectProblem(malformed, 400, 'invalid-request').errors).toEqual([expect.objectContaining({ path: '', in: 'body' })]);
  const query = expectProblem(await h.client.get<Problem>('/audit?limit=0'), 400, 'invalid-request');
  expect(query.errors).toEqual([expect.objectContaining({ path: '/limit', in: 'query' })]);

  for (const [method, path] of [
    ['GET', '/pipelines/no-such-pipeline'],
    ['PATCH', '/pipelines/no-such-pipeline'],
    ['DELETE', '/pipelines/no-such-pipeline'],
    ['POST', '/pipelines/no-such-pipeline/runs'],
    ['GET', '/pipelines/no-such-pipeline/runs'],
    ['GET', '/pipelines/no-such-pipeline/state'],
    ['GET', '/runs/00000000-0000-4000-8000-000000000000'],
    ['GET', '/runs/00000000-0000-4000-8000-000000000000/events'],
    ['POST', '/runs/00000000-0000-4000-8000-000000000000/cancel'],
  ] as const) {
    const answer = await h.client.request<Problem>(method, path, method === 'PATCH' || method === 'POST' ? { json: {} } : {});
    expect(expectProblem(answer, 404, 'not-found').detail, `${method} ${path}`).toMatch(/does not exist/);
  }
  expectProblem(await h.client.get<Problem>('/no/such/route'), 404, 'not-found');
});

it('a config that does not match its connector\'s spec is a 400 naming the field; an unknown connector too', async () => {
  const body = h.pipelineBody('bad-config', schema);
  const { api_key: _key, ...withoutKey } = (body.source as { config: Json }).config;
  const missing = await h.client.post<Problem>('/pipelines', { ...body, source: { name: 'stripe', config: withoutKey } });
  const problem = expectProblem(missing, 400, 'invalid-config');
  expect(problem.errors).toEqual([expect.objectContaining({ path: '/source/config/api_key', in: 'body' })]);
  expect(problem.detail).toContain('/source/config/api_key');
  const wrongType = await h.client.post<Problem>('/pipelines', { ...body, destination: { name: 'postgres', config: { url: h.db.ownerUrl, schema, batch_size: 'many' } } });
  expect(expectProblem(wrongType, 400, 'invalid-config').errors?.map((e) => e.path)).toEqual(['/destination/config/batch_size']);
  const unknown = await h.client.post<Problem>('/pipelines', { ...body, source: { name: 'no-such-source', config: {} } });
  expect(expectProblem(unknown, 400, 'unknown-connector').errors?.map((e) => e.path)).toEqual(['/source/name']);
  // None of them was stored.
  expect(((await h.client.get<{ data: Json[] }>('/pipelines')).body.data).map((p) => p.id)).not.toContain('bad-config');
});

it('secrets come back masked; a PATCH sending the mask keeps them; check, discover and /connectors work with them', async () => {
  const created = await h.client.post<{ source: { config: Json }; destination: { config: Json } }>('/pipelines', h.pipelineBody('secure', schema));
  expect(created.status, created.text).toBe(201);
  expect(created.body.source.config).toMatchObject({ api_key: MASK, webhook_secret: MASK, base_url: h.emulator.url });
  expect(created.body.destination.config).toMatchObject({ url: MASK, schema });
  const shown = await h.client.get<{ source: { config: Json } }>('/pipelines/secure');
  expect(shown.body.source.config).toMatchObject({ api_key: MASK, webhook_secret: MASK });

  const patched = await h.client.request<{ source: { config: Json } }>('PATCH', '/pipelines/secure', {
    json: { source: { config: { ...shown.body.source.config, page_size: 50 } } },
  });
  expect(patched.status, patched.text).toBe(200);
  expect(patched.body.source.config).toMatchObject({ api_key: MASK, page_size: 50 });
  const check = await h.client.post('/pipelines/secure/check');
  expect(check.status, check.text).toBe(200);
  expect(check.body).toEqual({ source: { status: 'SUCCEEDED' }, destination: { status: 'SUCCEEDED' } });
  const discover = await h.client.post<{ streams: { name: string }[] }>('/pipelines/secure/discover');
  expect(discover.status).toBe(200);
  expect(discover.body.streams.map((s) => s.name)).toEqual(expect.arrayContaining(['customers', 'products']));
  const connectors = await h.client.get<{ data: { role: string; name: string; spec: Json | null }[] }>('/connectors');
  expect(connectors.body.data.filter((c) => c.spec !== null).map((c) => `${c.role} ${c.name}`)).toEqual(expect.arrayContaining(['source stripe', 'destination postgres']));

  // A mask where nothing is stored is refused, naming the field, rather than stored as the secret.
  const noStored = await h.client.request<Problem>('PATCH', '/pipelines/secure', { json: { destination: { config: { url: h.db.ownerUrl, schema, extra_secret: MASK } } } });
  expect(expectProblem(noStored, 400, 'invalid-request').errors?.map((e) => e.path)).toEqual(['/destination/config/extra_secret']);
  // A wrong key: check fails, saying why, without the key.
  expect((await h.client.request('PATCH', '/pipelines/secure', { json: { source: { config: { ...shown.body.source.config, api_key: wrongKey } } } })).status).toBe(200);
  const failed = await h.client.post<{ source: { status: string; message?: string } }>('/pipelines/secure/check');
  expect(failed.body.source.status).toBe('FAILED');
  expect(failed.text).not.toContain(wrongKey);
});

it('no secret in any answer, in the server log, or in a pg_dump of the database', async () => {
  await h.server.stop();
  const { leaks, dump } = await searchForSecrets(h, [wrongKey]);
  expect(leaks).toEqual([]);
  // The stored pipeline is in the dump, sealed.
  const [stored] = await h.db.query<{ sealed: string }>("select source_config_sealed as sealed from sync.pipelines where id = 'secure'");
  expect(stored?.sealed).toEqual(expect.any(String));
  expect(dump).toContain(stored!.sealed);
});
