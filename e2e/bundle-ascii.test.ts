/**
 * The bundles are ASCII, so V8 keeps their sources as one-byte text (scripts/ascii-comments.js): a
 * character past ASCII in a comment is escaped, one anywhere else fails the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { escapeNonAsciiComments } from '../scripts/ascii-comments.js';

const root = join(import.meta.dirname, '..');

describe('escapeNonAsciiComments', () => {
  it('escapes what comments hold and leaves the code as it was', async () => {
    const code = "// zero — one\nexport const a = 'caf\\u00e9'; /* ✓ ok */\n";
    const escaped = await escapeNonAsciiComments(code, 'x.mjs', esbuild);
    expect(escaped).toBe("// zero \\u{2014} one\nexport const a = 'caf\\u00e9'; /* \\u{2713} ok */\n");
    expect(/[^\x00-\x7f]/.test(escaped)).toBe(false);
  });

  it('refuses a character past ASCII in a string, a template or a regular expression', async () => {
    for (const code of ["export const a = 'é';\n", 'export const a = String.raw`é`;\n', 'export const a = /é/;\n']) {
      await expect(escapeNonAsciiComments(code, 'x.mjs', esbuild), code).rejects.toThrow('x.mjs: a character past ASCII outside a comment');
    }
  });

  it('left every bundle of this build ASCII', () => {
    const dirs = ['apps/cli', 'packages/source-stripe', 'packages/source-faker', 'packages/destination-postgres', 'packages/destination-google-sheets'];
    for (const dir of dirs) {
      for (const file of readdirSync(join(root, dir, 'dist')).filter((f) => f.endsWith('.mjs'))) {
        expect(/[^\x00-\x7f]/.exec(readFileSync(join(root, dir, 'dist', file), 'utf8')), `${dir}/dist/${file}`).toBeNull();
      }
    }
  });
});
