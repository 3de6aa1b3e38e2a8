import { describe, expect, it } from 'vitest';
import type { RJSFValidationError } from '@rjsf/utils';
import { formErrorsOf, uiSchemaOf, withoutRequired } from './config-ui.ts';

describe('connector config forms', () => {
  it('makes airbyte_secret fields password inputs, in objects and oneOf branches, and shows defaults as placeholders', () => {
    const spec = {
      type: 'object',
      required: ['api_key'],
      properties: {
        api_key: { type: 'string', airbyte_secret: true, order: 1 },
        page_size: { type: 'integer', default: 100, order: 0 },
        credentials: {
          type: 'object',
          oneOf: [
            { properties: { kind: { const: 'token' }, token: { type: 'string', airbyte_secret: true } } },
            { properties: { kind: { const: 'key' }, private_key: { type: 'string', airbyte_secret: true } } },
          ],
        },
      },
    };
    expect(uiSchemaOf(spec)).toEqual({
      'ui:order': ['page_size', 'api_key', '*'],
      api_key: { 'ui:widget': 'password', 'ui:autocomplete': 'new-password' },
      page_size: { 'ui:placeholder': '100' },
      credentials: {
        token: { 'ui:widget': 'password', 'ui:autocomplete': 'new-password' },
        private_key: { 'ui:widget': 'password', 'ui:autocomplete': 'new-password' },
      },
    });
  });

  it("leaves required fields to the server, which fills some itself (the Postgres destination's url)", () => {
    const errors = [
      { name: 'required', property: 'url', message: "must have required property 'url'", stack: '', schemaPath: '#/required' },
      { name: 'minimum', property: '.page_size', message: 'must be >= 1', stack: '', schemaPath: '#/properties/page_size/minimum' },
    ] satisfies RJSFValidationError[];
    expect(withoutRequired(errors).map((e) => e.name)).toEqual(['minimum']);
  });

  it("puts the server's field errors on the fields of the config they name", () => {
    const { errorSchema, other } = formErrorsOf(
      [
        { path: '/source/config/api_key', message: 'must be a string' },
        { path: '/source/config/a~1b/c', message: 'too long' },
        { path: '/source/config', message: "must have required property 'api_key'" },
        { path: '/destination/config/url', message: 'Required' },
      ],
      '/source/config',
    );
    expect(errorSchema).toEqual({ __errors: ["must have required property 'api_key'"], api_key: { __errors: ['must be a string'] }, 'a/b': { c: { __errors: ['too long'] } } });
    expect(other).toEqual([{ path: '/destination/config/url', message: 'Required' }]);
  });
});
