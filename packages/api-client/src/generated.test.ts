import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATE_COMMAND, GENERATED_DIR, generatedFiles } from '../scripts/generated-files.ts';

describe('the generated client types', () => {
  it("are what the server's routes give today", async () => {
    for (const [name, text] of Object.entries(await generatedFiles())) {
      const committed = readFileSync(new URL(name, GENERATED_DIR), 'utf8');
      // toBe on 50 KB strings prints an unreadable diff: say which file and what to run.
      expect(committed === text, `packages/api-client/src/generated/${name} is out of date: run \`${GENERATE_COMMAND}\` and commit the result`).toBe(true);
    }
  });

  it('describe the routes the CLI calls', async () => {
    const document = JSON.parse((await generatedFiles())['openapi.json']) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/pipelines', '/pipelines/{id}', '/pipelines/{id}/runs', '/runs/{id}', '/runs/{id}/cancel', '/runs/{id}/events']));
    expect(Object.keys(document.paths['/pipelines/{id}']!)).toEqual(expect.arrayContaining(['get', 'delete']));
  });
});
