/**
 * Regenerates the typed client's files from the server's routes into `src/generated/`
 * (openapi.json, api.ts; see scripts/generated-files.ts):
 *
 *   pnpm exec node packages/api-client/scripts/generate.ts
 *
 * Run it after changing a route or a schema of `@sync/server`, and commit the result. A test fails
 * while they are out of date.
 */
import { writeFileSync } from 'node:fs';
import { GENERATED_DIR, generatedFiles } from './generated-files.ts';

for (const [name, text] of Object.entries(await generatedFiles())) {
  const file = new URL(name, GENERATED_DIR);
  writeFileSync(file, text);
  console.log(`wrote ${file.pathname} (${text.length} bytes)`);
}
