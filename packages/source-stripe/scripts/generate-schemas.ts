/**
 * Regenerates `schemas.json` from the emulator's copy of Stripe's example objects:
 *   pnpm exec node packages/source-stripe/scripts/generate-schemas.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RESOURCES } from '@sync/stripe-emulator';
import { jsonSchemaOf } from '../src/schema.ts';

/** Stream name → schema derived from the emulator's fixtures. */
export function schemasFromFixtures(): Record<string, unknown> {
  const fixtures = new URL('../fixtures/stripe-objects.json', import.meta.resolve('@sync/stripe-emulator'));
  const examples = JSON.parse(readFileSync(fixtures, 'utf8')) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(RESOURCES.map((r) => [r.name, jsonSchemaOf(examples[r.object]!)]));
}

if (import.meta.main) {
  writeFileSync(new URL('../src/schemas.json', import.meta.url), `${JSON.stringify(schemasFromFixtures(), null, 1)}\n`);
}
