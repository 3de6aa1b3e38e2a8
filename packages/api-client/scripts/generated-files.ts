/**
 * What `scripts/generate.ts` writes to `src/generated/`, derived from the server's routes (no
 * database needed):
 *
 * - `openapi.json`: the OpenAPI 3.1 document `GET /openapi.json` serves (`@sync/server`,
 *   `openApiDocument()`), pretty-printed;
 * - `api.ts`: its TypeScript types (`paths`, `components`, `operations`), made by openapi-typescript,
 *   which `src/index.ts` hands to openapi-fetch. Types only: the file is erased at run time.
 *
 * The test next to `src/index.ts` (`src/generated.test.ts`) regenerates both in memory and compares
 * them with the committed files.
 */
import { openApiDocument } from '@sync/server';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

/** The generated files' names (in `src/generated/`) and their exact contents (UTF-8, trailing newline). */
export interface GeneratedFiles {
  'openapi.json': string;
  'api.ts': string;
}

/** The command that rewrites the generated files, for messages. */
export const GENERATE_COMMAND = 'pnpm exec node packages/api-client/scripts/generate.ts';

/** The directory of the generated files, `src/generated/`. */
export const GENERATED_DIR = new URL('../src/generated/', import.meta.url);

const HEADER = `/**
 * The HTTP API's types, generated from its OpenAPI document (openapi.json, beside this file) by
 * openapi-typescript. Do not edit: run \`${GENERATE_COMMAND}\`.
 */

`;

/** The generated files for the server's current routes; deterministic for given routes. */
export async function generatedFiles(): Promise<GeneratedFiles> {
  const document = await openApiDocument();
  const types = astToString(await openapiTS(document as unknown as OpenAPI3, { alphabetize: true }));
  return {
    'openapi.json': `${JSON.stringify(document, null, 2)}\n`,
    'api.ts': `${HEADER}${types.trimEnd()}\n`,
  };
}
