import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { addDashboard, isDashboardPath } from './dashboard.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function appOver(files: Record<string, string>): Promise<Hono> {
  dir = await mkdtemp(join(tmpdir(), 'sync-dashboard-dist-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const app = new Hono();
  addDashboard(app as never, dir);
  return app;
}

describe("serving the dashboard's build", () => {
  it('answers the page at / and at every /ui/ path, and the assets with their types', async () => {
    const app = await appOver({ 'index.html': '<!doctype html><title>sync</title>', 'assets/app-ABC.js': 'export {};', 'assets/app-ABC.css': 'body{}' });
    for (const path of ['/', '/ui', '/ui/runs/r1', '/ui/pipelines/a/b']) {
      const response = await app.request(path);
      expect([path, response.status, response.headers.get('content-type'), await response.text()]).toEqual([path, 200, 'text/html; charset=utf-8', '<!doctype html><title>sync</title>']);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const js = await app.request('/assets/app-ABC.js');
    expect([js.status, js.headers.get('content-type'), await js.text()]).toEqual([200, 'text/javascript; charset=utf-8', 'export {};']);
    expect((await app.request('/assets/app-ABC.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('finds nothing outside the assets folder, nor files of other kinds', async () => {
    const app = await appOver({ 'index.html': 'page', 'assets/app.js': '', 'assets/.hidden.js': '', 'assets/notes.md': '' });
    for (const path of ['/assets/missing.js', '/assets/..%2Findex.html', '/assets/.hidden.js', '/assets/notes.md', '/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      expect([path, (await app.request(path)).status]).toEqual([path, 404]);
    }
  });

  it('says how to build it when it is not built', async () => {
    const app = await appOver({});
    const response = await app.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('pnpm build');
  });

  it('needs no token for its own paths only', () => {
    expect(['/', '/ui', '/ui/new', '/assets/app.js'].every(isDashboardPath)).toBe(true);
    expect(['/pipelines', '/runs/r1', '/uix', '/audit', '/health'].some(isDashboardPath)).toBe(false);
  });
});
