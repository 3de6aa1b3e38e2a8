/**
 * A real headless browser for the dashboard's end-to-end test: Debian's chromium (`apt-get install -y
 * chromium`, which .ci/run does) driven by playwright-core, never a browser that playwright downloads.
 * Whatever the page reports that a user would never see is kept for the test to check: uncaught
 * errors, and resources the Content-Security-Policy blocked.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The browser: CHROMIUM_PATH, else Debian's. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless chromium as root in a container, with nothing reaching out to the network. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** An open browser with one page. */
export interface BrowserPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught page errors and CSP violations so far (each a line); empty when the page behaved. */
  problems(): string[];
  close(): Promise<void>;
}

/** How the browser presents itself: what a user's machine would set. */
export interface BrowserOptions {
  /** IANA time zone of the "user", e.g. `Asia/Kolkata`. */
  timezoneId: string;
  /** Its language, e.g. `en-US`. */
  locale: string;
  viewport: { width: number; height: number };
}

/**
 * Starts chromium and opens a page.
 *
 * @throws Error naming the install command when chromium is not there.
 */
export async function openBrowser(options: BrowserOptions): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH`);
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const context = await browser.newContext({ ...options, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
  return {
    page,
    context,
    problems: () => [...problems],
    close: () => browser.close(),
  };
}
