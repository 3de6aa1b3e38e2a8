/** See ascii-comments.js: `code` with every character past ASCII in its comments written as `\u{…}`. */
export function escapeNonAsciiComments(code: string, name: string, esbuild: typeof import('esbuild')): Promise<string>;
