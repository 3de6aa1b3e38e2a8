import { describe, expect, it } from 'vitest';
import { schemasFromFixtures } from '../scripts/generate-schemas.ts';
import { streamSchemas } from './schema.ts';

describe('stream schemas', () => {
  it('schemas.json is in step with the example objects (regenerate with scripts/generate-schemas.ts)', () => {
    expect(streamSchemas()).toEqual(schemasFromFixtures());
  });
});
