/**
 * `sync serve` documents itself (issue 14): `/openapi.json` is an OpenAPI 3.1 document that lists
 * the routes with their exact paths and methods, each well formed (responses, declared path
 * parameters, references that resolve, security schemes that exist, problem documents for errors);
 * `/docs` is an HTML page whose scripts and styles are served by the server itself (no CDN: it works
 * offline).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from './support/api-client.ts';
import { createTestDatabase, startApiServer, type ApiServer, type TestDatabase } from './support/api-server.ts';

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description?: unknown; content?: Record<string, unknown> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Json; securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

/** Issue 14's routes: path → methods. */
const ROUTES: Record<string, string[]> = {
  '/health': ['get'],
  '/connectors': ['get'],
  '/pipelines': ['get', 'post'],
  '/pipelines/{id}': ['delete', 'get', 'patch'],
  '/pipelines/{id}/check': ['post'],
  '/pipelines/{id}/discover': ['post'],
  '/pipelines/{id}/runs': ['get', 'post'],
  '/runs/{id}': ['get'],
  '/runs/{id}/cancel': ['post'],
  '/runs/{id}/events': ['get'],
  '/pipelines/{id}/state': ['delete', 'get'],
  '/webhooks/stripe/{pipeline_id}': ['post'],
  '/audit': ['get'],
};
const PUBLIC = new Set(['/health', '/webhooks/stripe/{pipeline_id}']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

let db: TestDatabase;
let server: ApiServer;
let client: ApiClient;
let doc: OpenApi;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startApiServer({ databaseUrl: db.adminUrl, workers: 0 });
  client = new ApiClient(server.url, server.token);
  const answer = await client.get<OpenApi>('/openapi.json', { token: null });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  doc = answer.body;
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** Every operation of the document with its path and method. */
function operations(): { path: string; method: string; operation: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** The value at a JSON Pointer of the document (RFC 6901), or undefined. */
function resolve(pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof at !== 'object' || at === null || !(key in at)) return undefined;
    at = (at as Json)[key];
  }
  return at;
}

/** Every `$ref` value in the document. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

it('is an OpenAPI 3.1 document listing issue 14\'s routes at their exact paths and methods', () => {
  expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  expect(doc.info.title).toEqual(expect.any(String));
  expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
  for (const [path, methods] of Object.entries(ROUTES)) {
    expect(Object.keys(doc.paths[path] ?? {}).filter((m) => METHODS.has(m)).sort(), path).toEqual(methods);
  }
});

it('every operation is well formed: responses, path parameters, references, security, problem documents', () => {
  const ids = new Set<string>();
  expect(operations().length).toBeGreaterThanOrEqual(Object.values(ROUTES).flat().length);
  for (const { path, method, operation } of operations()) {
    const where = `${method.toUpperCase()} ${path}`;
    if (operation.operationId) {
      expect(ids.has(operation.operationId), `${where}: operationId ${operation.operationId} twice`).toBe(false);
      ids.add(operation.operationId);
    }
    const statuses = Object.keys(operation.responses);
    expect(statuses.some((s) => /^2\d\d$/.test(s)), `${where}: a 2xx response`).toBe(true);
    for (const status of statuses) {
      expect(status, where).toMatch(/^([1-5](\d\d|XX)|default)$/);
      expect(operation.responses[status]!.description, `${where} ${status}`).toEqual(expect.any(String));
      if (/^[45]/.test(status)) expect(Object.keys(operation.responses[status]!.content ?? {}), `${where} ${status}`).toEqual(['application/problem+json']);
    }
    // Each `{name}` of the path is a required path parameter, and no path parameter is missing from it.
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
    expect(declared.map((p) => p.name).sort(), where).toEqual(inPath.sort());
    for (const p of declared) expect(p.required, `${where}: ${p.name}`).toBe(true);
    // Bearer auth on every route but the public ones, with a scheme the document defines.
    if (PUBLIC.has(path)) expect(operation.security ?? [], where).toEqual([]);
    else {
      expect(operation.security, where).toEqual([{ bearer: [] }]);
      expect(statuses, where).toContain('401');
    }
  }
  expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  const all = refs(doc);
  expect(all.length).toBeGreaterThan(10);
  for (const ref of new Set(all)) {
    expect(ref, 'a reference inside the document').toMatch(/^#\//);
    expect(resolve(ref), ref).toBeDefined();
  }
});

it('/docs is an HTML page whose scripts and styles the server itself serves', async () => {
  const page = await client.get('/docs', { token: null });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const scripts = [...page.text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
  const styles = [...page.text.matchAll(/<link[^>]*\srel="stylesheet"[^>]*\shref="([^"]+)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  expect(styles.length).toBeGreaterThan(0);
  // Nothing from another host: every src and href is a path on this server.
  for (const url of [...page.text.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) expect(url, url).toMatch(/^\/(?!\/)/);
  for (const url of [...scripts, ...styles]) {
    const asset = await client.get(url, { token: null });
    expect(asset.status, url).toBe(200);
    expect(asset.headers.get('content-type'), url).toMatch(scripts.includes(url) ? /javascript/ : /^text\/css/);
    expect(asset.text.length, url).toBeGreaterThan(0);
  }
  // The page loads the API's own document.
  const init = await Promise.all(scripts.map((url) => client.get(url, { token: null })));
  expect(init.some((s) => s.text.includes("'/openapi.json'") || s.text.includes('"/openapi.json"'))).toBe(true);
  expect((await client.get('/docs/assets/no-such-file.js', { token: null })).status).toBe(404);
});
