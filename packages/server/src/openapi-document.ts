/**
 * The OpenAPI 3.1 document of the HTTP API, without a database: the one `GET /openapi.json` serves,
 * for generating the typed client (`@sync/api-client`, scripts/generate.ts).
 */
import { createApp } from './app.ts';
import type { ServerContext } from './context.ts';

/**
 * The document exactly as `/openapi.json` answers it (parsed JSON). The routes are built with a
 * context whose only member is a silent log: serving the document reads the routes' schemas and
 * calls no handler, so nothing else of the context is touched.
 *
 * @throws Error when the app does not answer `/openapi.json` with 200.
 */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const context = { log: () => {} } as unknown as ServerContext;
  const response = await createApp(context, 'no-token-needed-for-the-document').request('/openapi.json');
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
