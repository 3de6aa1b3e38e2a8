/**
 * What `scripts/generate-catalog.ts` writes to `src/generated/`, derived from Stripe's OpenAPI spec,
 * so that no process parses the 6 MB spec at run time (issue 13):
 *
 * - `streams.json`: `{ api_version, streams }`, the API version the spec describes (`2024-04-10`,
 *   sent as `Stripe-Version` by default) and the stream definitions (stream-definitions.ts), about
 *   30 KB, which `read` needs;
 * - `schemas.json`: stream name → record JSON schema (record-schema.ts), one stream a line, which
 *   only `discover` reads.
 *
 * The test next to this file regenerates both in memory and compares them with the committed files.
 */
import { recordSchema } from './record-schema.ts';
import { streamsOf } from './stream-definitions.ts';
import type { OasDocument } from './document.ts';

/** The generated files' names (in `src/generated/`) and their exact contents (UTF-8 text, trailing newline). */
export interface CatalogFiles {
  'streams.json': string;
  'schemas.json': string;
}

/** The command that rewrites the generated files, for messages. */
export const GENERATE_COMMAND = 'node packages/source-stripe/scripts/generate-catalog.ts';

/** The directory of the generated files, `src/generated/`. */
export const GENERATED_DIR = new URL('../generated/', import.meta.url);

/** The generated files for `document` (the pinned spec, `stripeSpec()`), deterministic for a given spec. */
export function catalogFiles(document: OasDocument): CatalogFiles {
  const streams = streamsOf(document);
  const schemas = streams.map((stream) => `${JSON.stringify(stream.name)}:${JSON.stringify(recordSchema(stream.schema, document))}`);
  return {
    'streams.json': `${JSON.stringify({ api_version: document.info.version, streams }, null, 1)}\n`,
    'schemas.json': `{\n${schemas.join(',\n')}\n}\n`,
  };
}
