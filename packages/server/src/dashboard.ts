/**
 * The web dashboard (docs/dashboard.md): the static assets that `scripts/build.js` bundles from
 * packages/dashboard into `packages/dashboard/dist/`, served without a token (the page asks for one and
 * sends it as `Authorization: Bearer` on its API calls, like any client):
 *
 *   GET /                    dist/index.html (no-cache: it names the current hashed assets)
 *   GET /ui, /ui/*           dist/index.html as well: the page's own routes (`/ui/pipelines/<id>`,
 *                            `/ui/runs/<id>`, `/ui/new`), which the page resolves itself, so a reload
 *                            or a shared link works
 *   GET /assets/<file>       dist/assets/<file>, content names hashed, so cached for a year; gzip
 *                            when the client accepts it
 *
 * The page gets a Content-Security-Policy that allows its own scripts, styles and API only (no CDN, no
 * inline script); `'unsafe-eval'` because the JSON-Schema form's validator (ajv) compiles each spec to
 * a function. Without a build (`pnpm build` not run) `/` answers 503 with what to run.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import { compress } from 'hono/compress';

/** Where scripts/build.js writes the dashboard, beside this package in the workspace. */
const DIST = join(import.meta.dirname, '..', '..', 'dashboard', 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** True for the paths the dashboard serves: they need no bearer token (app.ts `isPublic`). */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/ui' || path.startsWith('/ui/') || path.startsWith('/assets/');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sync: dashboard not built</title></head>
<body><h1>The dashboard is not built</h1>
<p>Its assets are made by <code>pnpm install</code> or <code>pnpm build</code> (scripts/build.js, into packages/dashboard/dist). Run one of them, then reload. The API itself works: see <a href="/docs">/docs</a>.</p>
</body></html>
`;

/**
 * Adds the dashboard's routes to `app`, serving the build in `dir` (default: packages/dashboard/dist).
 * Files are read at each request, so a rebuild while the server runs is served at once.
 */
export function addDashboard(app: Hono<never>, dir: string = DIST): void {
  const page = async (c: Context) => {
    try {
      return c.body(await readFile(join(dir, 'index.html'), 'utf8'), 200, PAGE_HEADERS);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return c.body(NOT_BUILT, 503, { ...PAGE_HEADERS, 'cache-control': 'no-store' });
    }
  };
  app.get('/', page);
  app.get('/ui', page);
  app.get('/ui/*', page);
  app.use('/assets/*', compress());
  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = TYPES[extname(file)];
    // Plain file names only: no dot files, no way out of the folder.
    if (!type || !/^[\w-][\w.-]*$/.test(file)) return c.notFound();
    let content: Buffer;
    try {
      content = await readFile(join(dir, 'assets', file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return c.notFound();
      throw error;
    }
    return c.body(new Uint8Array(content), 200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' });
  });
}
