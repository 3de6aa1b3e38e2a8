import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogFiles, GENERATE_COMMAND, GENERATED_DIR } from './catalog-files.ts';
import { stripeSpec } from './document.ts';

describe('the generated catalog', () => {
  it('is what the pinned OpenAPI spec and the rules in src/openapi/ give today', () => {
    for (const [name, text] of Object.entries(catalogFiles(stripeSpec()))) {
      const committed = readFileSync(new URL(name, GENERATED_DIR), 'utf8');
      // toBe on 300 KB strings prints an unreadable diff; say which file and what to run.
      expect(committed === text, `src/generated/${name} is out of date: run \`${GENERATE_COMMAND}\` and commit the result`).toBe(true);
    }
  });

  it('describes the spec the source sends as Stripe-Version, with a schema for every stream', () => {
    const files = catalogFiles(stripeSpec());
    const streams = JSON.parse(files['streams.json']) as { api_version: string; streams: Array<{ name: string }> };
    const schemas = JSON.parse(files['schemas.json']) as Record<string, unknown>;
    expect(streams.api_version).toBe(stripeSpec().info.version);
    expect(Object.keys(schemas)).toEqual(streams.streams.map((s) => s.name));
  });
});
