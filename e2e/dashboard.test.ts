/**
 * The web dashboard (issue 15) in a real headless chromium against `sync serve`, a Stripe emulator and
 * the test Postgres, as a user in Kolkata (UTC+05:30, so a time shown in UTC would be caught) would
 * use it: sign in (a wrong token first), create a Stripe → Postgres pipeline at 360 px through the
 * forms built from the connectors' specs (a refused key's check first; nothing is stored before the
 * final save), start a run and watch its counts rise to the emulator's numbers, reset a stream,
 * cancel a slow run, read a failed run's error; then the three main pages at 360 px wide and their
 * screenshots (written to docs/screenshots/ with UPDATE_SCREENSHOTS=1).
 *
 * The steps run in order, each on what the one before left (one pipeline's life).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { createTestDatabase, startApiServer, type ApiServer, type TestDatabase } from './support/api-server.ts';
import { openBrowser, type BrowserPage } from './support/browser.ts';
import { repoRoot } from './support/cli.ts';
import { freshSchema } from './support/database.ts';
import { API_KEY, startEmulator } from './support/stripe.ts';

const TIME_ZONE = 'Asia/Kolkata';
const STREAMS = ['customers', 'charges', 'invoices'] as const;
const PIPELINE = 'dash-stripe';

let db: TestDatabase;
let emulator: StripeEmulator;
let server: ApiServer;
let browser: BrowserPage;
let page: Page;
let shots: string;
const schema = freshSchema('dash');
/** Runs by what the steps did with them. */
const runs: { succeeded?: string; cancelled?: string; failed?: string } = {};

beforeAll(async () => {
  db = await createTestDatabase();
  emulator = await startEmulator({ objects: 3000 });
  server = await startApiServer({ databaseUrl: db.adminUrl });
  browser = await openBrowser({ timezoneId: TIME_ZONE, locale: 'en-US', viewport: { width: 1280, height: 800 } });
  page = browser.page;
  page.setDefaultTimeout(20_000);
  shots = await mkdtemp(join(tmpdir(), 'sync-dashboard-shots-'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.close();
  await db?.drop();
  if (shots) await rm(shots, { recursive: true, force: true });
});

/** Calls the API as a script would (to set up what the page then shows, and to check what it did). */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Fails when the page is wider than the window (a user would have to scroll sideways). */
async function expectNoSidewaysScroll(where: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  expect(await page.evaluate('document.documentElement.scrollWidth'), `${where} at ${width} px`).toBeLessThanOrEqual(width);
}

/** The number in a count cell of the run page (`1,234` in en-US). */
const countIn = (text: string | null) => Number((text ?? '').replace(/\D/g, ''));

/** The run id of the run page the browser shows. */
function runIdOfPage(): string {
  const match = /\/ui\/runs\/([^/]+)$/.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`not on a run page: ${page.url()}`);
  return decodeURIComponent(match[1]!);
}

/** The run page's status label, once it is `status`. */
async function waitForRunStatus(status: string): Promise<void> {
  await page.locator('p.lead .status', { hasText: status }).waitFor();
}

/**
 * Records, in the page, every value each stream's "committed" cell shows from now on (a
 * MutationObserver; the dashboard moves between pages without reloading, so it keeps recording).
 * Plain JavaScript: it runs in the browser.
 */
const RECORD_COUNTS = `(() => {
  const seen = (window.countsSeen = {});
  const record = () => {
    for (const cell of document.querySelectorAll('[data-stream] [data-count="committed"]')) {
      const stream = cell.closest('[data-stream]').dataset.stream;
      const values = (seen[stream] ??= []);
      const value = Number(cell.textContent.replace(/\\D/g, ''));
      if (values[values.length - 1] !== value) values.push(value);
    }
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

describe('the dashboard in a browser', () => {
  it('serves its page and hashed assets without a token, the page with a Content-Security-Policy', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await home.text();
    const script = /src="(\/assets\/app-[\w-]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/assets\/app-[\w-]+\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    const js = await fetch(`${server.url}${script}`);
    expect([js.status, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    expect((await fetch(`${server.url}${style}`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const deepLink = await fetch(`${server.url}/ui/runs/anything`);
    expect([deepLink.status, await deepLink.text()]).toEqual([200, html]);
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    // The API next to it still wants its token.
    expect((await fetch(`${server.url}/pipelines`)).status).toBe(401);
  });

  it('says clearly that a wrong token was refused, then signs in with the right one, by keyboard', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in to sync' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('token');
    await page.keyboard.type('not-the-token-of-this-server');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/refused this token \(401 the bearer token is not this server's token\).*SYNC_API_TOKEN/);

    await page.keyboard.press('Control+A');
    await page.keyboard.type(server.token);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('sync.api-token')")).toBe(server.token);
    // Kept for the tab: a reload stays signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    await page.getByText('No pipelines yet').waitFor();

    // A kept token the server no longer takes (it was restarted with another) signs out, saying why.
    await page.evaluate("sessionStorage.setItem('sync.api-token', 'a-token-from-before-the-restart')");
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to sync' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('refused this token');
    await page.fill('#token', server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('No pipelines yet').waitFor();
  });

  it("creates a Stripe → Postgres pipeline at 360 px through the forms built from the connectors' specs: check and discover before anything is stored, streams and fields", async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    await page.getByRole('link', { name: 'New pipeline' }).first().click();
    await page.locator('#source-connector').selectOption('stripe');
    // airbyte_secret fields are password inputs.
    expect(await page.locator('#source_api_key').getAttribute('type')).toBe('password');
    // A key Stripe refuses, first.
    await page.fill('#source_api_key', 'sk_test_not_the_key');
    await page.fill('#source_base_url', emulator.url);
    // Ten objects a page, so a run has many checkpoints to watch.
    await page.fill('#source_page_size', '10');
    await expectNoSidewaysScroll('the source step');
    // By keyboard: Enter submits the step, and the focus moves to the next step's heading.
    await page.locator('#source_page_size').press('Enter');
    await page.getByRole('heading', { name: 'Destination' }).waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('step-destination');

    await page.locator('#destination-connector').selectOption('postgres');
    expect(await page.locator('#destination_url').getAttribute('type')).toBe('password');
    // No url: the server's own database.
    await page.fill('#destination_schema', schema);
    await expectNoSidewaysScroll('the destination step');
    await page.getByRole('button', { name: 'Next: check' }).click();

    // The failing check shows the connector's message (its secret masked); nothing is discovered or stored.
    const sourceCheck = page.locator('[data-check=source]');
    await sourceCheck.locator('.status').waitFor();
    expect(await sourceCheck.locator('.status').textContent()).toBe('failed');
    expect(await sourceCheck.locator('.check-message').textContent()).toMatch(/Stripe rejected the API key/);
    expect(await sourceCheck.textContent()).not.toContain('sk_test_not_the_key');
    expect(await page.locator('[data-check=destination] .status').textContent()).toBe('succeeded');
    expect(await page.locator('.stream-list').count()).toBe(0);
    await expectNoSidewaysScroll('the failed check');
    expect((await api<{ data: unknown[] }>('GET', '/pipelines')).data).toEqual([]);

    await page.getByRole('button', { name: 'Edit source' }).click();
    expect(await page.locator('#source_base_url').inputValue()).toBe(emulator.url);
    await page.fill('#source_api_key', API_KEY);
    await page.getByRole('button', { name: 'Next: destination' }).click();
    await page.getByRole('button', { name: 'Next: check' }).click();

    await page.locator('.stream-list').waitFor();
    expect(await page.evaluate('document.activeElement.id')).toBe('step-streams');
    expect(await page.locator('[data-check=source] .status').textContent()).toBe('succeeded');
    expect(await page.locator('[data-check=destination] .status').textContent()).toBe('succeeded');
    // Checked and discovered, and still nothing stored: the pipeline exists only once saved.
    expect((await api<{ data: unknown[] }>('GET', '/pipelines')).data).toEqual([]);
    await page.getByRole('button', { name: 'Select none' }).click();
    for (const stream of STREAMS) await page.locator(`[data-stream=${stream}] .stream-name input`).check();
    await page.locator('[data-stream=customers] summary').click();
    await page.locator('[data-stream=customers] .field-list label', { hasText: /^\s*email\s*$/ }).locator('input').uncheck();
    await page.fill('#pipeline-id', PIPELINE);
    // A schedule the server refuses: its reason is shown, nothing is stored, and the choices stay.
    await page.fill('#schedule', 'every hour');
    await expectNoSidewaysScroll('the streams step');
    await page.getByRole('button', { name: 'Save pipeline' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'is not a cron expression' }).waitFor();
    // The focus stayed on the button, for the next try.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Save pipeline');
    expect((await api<{ data: unknown[] }>('GET', '/pipelines')).data).toEqual([]);
    expect(await page.locator('.streams [role=status]').textContent()).toMatch(/^3 of \d+ streams selected$/);
    await page.fill('#schedule', '');
    await page.getByRole('button', { name: 'Save pipeline' }).click();

    await page.getByRole('heading', { name: `Pipeline ${PIPELINE}` }).waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    const { data: pipelines } = await api<{ data: { id: string }[] }>('GET', '/pipelines');
    expect(pipelines.map((p) => p.id)).toEqual([PIPELINE]);
    const stored = await api<{ streams: { name: string; fields?: string[] }[]; source: { config: Record<string, unknown> }; schedule: unknown }>('GET', `/pipelines/${PIPELINE}`);
    expect(stored.streams.map((s) => s.name).sort()).toEqual([...STREAMS].sort());
    const customers = stored.streams.find((s) => s.name === 'customers')!;
    expect(customers.fields).toContain('id');
    expect(customers.fields).not.toContain('email');
    expect(stored.source.config).toMatchObject({ api_key: '**********', base_url: emulator.url, page_size: 10 });
    expect(stored.schedule).toBeNull();
  });

  it('starts a run and watches the counts rise to the final numbers, in the user\'s time zone', async () => {
    emulator.delay(100);
    await page.evaluate(RECORD_COUNTS);
    const start = page.getByRole('button', { name: 'Start run' });
    await start.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    await waitForRunStatus('succeeded');
    runs.succeeded = runIdOfPage();
    emulator.delay(0);

    const seen = (await page.evaluate('window.countsSeen')) as Record<string, number[]>;
    for (const stream of STREAMS) {
      const total = emulator.objects(stream).length;
      const values = seen[stream] ?? [];
      expect(values.at(-1), stream).toBe(total);
      expect(values[0], `${stream} was first shown below its final count (${values.join(' → ')})`).toBeLessThan(total);
      expect([...values].sort((a, b) => a - b), `${stream} only rose`).toEqual(values);
      expect(countIn(await page.locator(`[data-stream=${stream}] [data-count=read]`).textContent())).toBe(total);
      const rows = await db.query<{ count: string }>(`select count(*) from "${schema}"."${stream}"`);
      expect(Number(rows[0]?.count)).toBe(total);
    }
    // Field selection reached the destination.
    const withEmail = await db.query<{ count: string }>(`select count(*) from "${schema}".customers where _raw_data ? 'email'`);
    expect(Number(withEmail[0]?.count)).toBe(0);
    expect(await page.locator('.timeline .tick').count()).toBeGreaterThan(STREAMS.length);

    const queued = page.locator('dl.facts time').first();
    const instant = (await queued.getAttribute('datetime'))!;
    const inKolkata = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium', timeZone: TIME_ZONE }).format(new Date(instant));
    const spaces = (text: string | null) => (text ?? '').replace(/\s/g, ' ');
    expect(spaces(await queued.textContent())).toBe(spaces(inKolkata));
  });

  it("resets one stream's saved state", async () => {
    await page.getByRole('link', { name: PIPELINE }).click();
    const customers = page.locator('tr[data-stream=customers]');
    await customers.locator('.cursor code').first().waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await customers.getByRole('button', { name: 'Reset the state of customers' }).click();
    await page.getByRole('status').filter({ hasText: 'Forgot the saved state of customers' }).waitFor();
    await customers.locator('.cursor', { hasText: 'none: the next run reads from the beginning' }).waitFor();
    const { states } = await api<{ states: { stream: { stream_descriptor: { name: string } } }[] }>('GET', `/pipelines/${PIPELINE}/state`);
    expect(states.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(['charges', 'invoices']);
  });

  it('cancels a run that takes its time', async () => {
    // Half a second a page: customers, read again from the beginning, takes half a minute.
    emulator.delay(500);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { name: /^Run / }).waitFor();
    runs.cancelled = runIdOfPage();
    await page.waitForFunction(`Number(document.querySelector('[data-stream=customers] [data-count=read]')?.textContent.replace(/\\D/g, '') ?? 0) > 0`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await waitForRunStatus('cancelled');
    emulator.delay(0);
    await page.getByText('Cancelled: every checkpoint committed before the cancel is kept').waitFor();
    const run = await api<{ status: string; cancel_requested_at: string | null }>('GET', `/runs/${runs.cancelled}`);
    expect(run.status).toBe('cancelled');
    expect(run.cancel_requested_at).not.toBeNull();
  });

  it("shows a failed run's error with its failure type", async () => {
    await api('POST', '/pipelines', {
      id: 'dash-wrong-key',
      source: { name: 'stripe', config: { api_key: 'sk_test_not_the_key', base_url: emulator.url } },
      destination: { name: 'postgres', config: { schema } },
      streams: [{ name: 'customers' }],
      // Once a year (Jan 1, 03:00 in Kolkata): the list has a next run to show, and none starts during the test.
      schedule: { cron: '0 3 1 1 *', timezone: TIME_ZONE },
    });
    await page.getByRole('link', { name: 'Pipelines', exact: true }).click();
    await page.getByRole('link', { name: 'dash-wrong-key' }).click();
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.failure').waitFor();
    runs.failed = runIdOfPage();
    await waitForRunStatus('failed');
    // The status can come from the run's record before its run_finished event (which carries the
    // failure type) has arrived on the event stream: wait for the type itself.
    await page.locator('.failure h2 .failure-type').waitFor();
    expect(await page.locator('.failure h2').textContent()).toContain('config_error');
    expect(await page.locator('.failure-message').textContent()).toMatch(/Stripe rejected the API key/);
    expect(await page.locator('.failure').textContent()).toContain("correct the pipeline's source or destination config");
    // The key itself is never on the page.
    expect(await page.content()).not.toContain('sk_test_not_the_key');
  });

  it('shows the three main pages at 360 px wide without sideways scrolling, and takes their screenshots', async () => {
    const pages = [
      { name: 'pipelines', path: '/', ready: 'tr[data-pipeline=dash-wrong-key] time' },
      { name: 'pipeline', path: `/ui/pipelines/${PIPELINE}`, ready: 'tr[data-run]' },
      { name: 'run', path: `/ui/runs/${runs.succeeded}`, ready: '.timeline' },
      { name: 'new-pipeline', path: '/ui/new', ready: 'form.config-form' },
    ];
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      for (const { name, path, ready } of pages) {
        await page.goto(`${server.url}${path}`);
        await page.locator(ready).first().waitFor();
        await expectNoSidewaysScroll(name);
        if (width === 1280 && name !== 'new-pipeline') await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      }
    }
    await page.goto(`${server.url}/`);
    const nextRun = page.locator('tr[data-pipeline=dash-wrong-key] td[data-label="Next run"] time');
    const { next_run_at: due } = await api<{ next_run_at: string }>('GET', '/pipelines/dash-wrong-key');
    expect(await nextRun.getAttribute('datetime')).toBe(due);
    expect(await page.locator('tr[data-pipeline=dash-wrong-key] td[data-label="Next run"]').textContent()).toContain('0 3 1 1 * (Asia/Kolkata)');

    const docs = join(repoRoot, 'docs', 'screenshots');
    for (const name of ['pipelines', 'pipeline', 'run']) {
      const png = await readFile(join(shots, `${name}.png`));
      expect(png.subarray(1, 4).toString(), `${name}.png`).toBe('PNG');
      if (process.env.UPDATE_SCREENSHOTS === '1') {
        await mkdir(docs, { recursive: true });
        await copyFile(join(shots, `${name}.png`), join(docs, `${name}.png`));
      }
    }
    expect(browser.problems()).toEqual([]);
  });
});
