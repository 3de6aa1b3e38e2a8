// @ts-check
/**
 * Escapes the characters past ASCII left in a bundle's comments (scripts/build.js). esbuild escapes
 * them everywhere else (its default `charset: 'ascii'`) but keeps comments as written, and one such
 * character (an em dash in a library's comment) makes V8 hold the whole file's source as two-byte
 * text: the CLI's engine chunk took 1.7 MB of heap instead of 0.85 (issue 13). In a comment,
 * `\u{2014}` is just text.
 *
 * Checked, not assumed: with each such character replaced by a marker, the code without its comments
 * (esbuild's whitespace minifier) must not hold the marker, else this throws rather than change what
 * a string or a regular expression says.
 */
const NON_ASCII = /[^\x00-\x7f]/u;
const MARKER = '__sync_non_ascii__';

/**
 * `code` (an ES module) with every character past ASCII in its comments written as `\u{…}`.
 *
 * @param {string} code
 * @param {string} name the file, for the error
 * @param {typeof import('esbuild')} esbuild the build's esbuild (loaded only when installed)
 * @returns {Promise<string>}
 * @throws Error when such a character is outside a comment.
 */
export async function escapeNonAsciiComments(code, name, esbuild) {
  if (!NON_ASCII.test(code)) return code;
  const everywhere = new RegExp(NON_ASCII.source, 'gu');
  const { code: stripped } = await esbuild.transform(code.replace(everywhere, MARKER), { loader: 'js', format: 'esm', minifyWhitespace: true, legalComments: 'none' });
  if (stripped.includes(MARKER)) throw new Error(`${name}: a character past ASCII outside a comment; esbuild was expected to escape it`);
  return code.replace(everywhere, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
}
