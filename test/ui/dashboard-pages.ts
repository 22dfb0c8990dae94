import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const ALPHA_KEY = 'alpha-ui-key-3c9a1b2d0f';
export const BETA_KEY = 'beta-ui-key-8d2e4f6a5b';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

/** The pages refresh every few seconds; wait for them as long as a test may take. */
export const POLL = { timeout: 45_000, interval: 100 };

/** A tool call the page can show at once, then a reply held back for two minutes: time to interrupt. */
export const SLOW_PROMPT =
  '[[script:{"steps":[{"tool":{"name":"Bash","input":{"command":"echo warming-up","description":"say hello"}}},{"delay_ms":120000,"text":"too late"}]}]] slow work';

/** A keys file with tenants alpha and beta; returns its path. */
export function writeTwoTenantKeys(): string {
  const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-ui-keys-${process.pid}-${Date.now()}.yaml`);
  writeFileSync(
    keysFile,
    ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
  );
  return keysFile;
}

/** Pages of the dashboard, each in a context of its own, with every script and console error they raise. */
export class DashboardPages {
  /** Uncaught exceptions and console errors on every page (CSP violations show up here too). */
  readonly errors: string[] = [];
  private readonly contexts: BrowserContext[] = [];

  constructor(
    private readonly browser: () => Browser,
    private readonly baseUrl: () => string,
  ) {}

  async open(): Promise<Page> {
    const context = await this.browser().newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    this.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(45_000);
    page.on('pageerror', (error) => this.errors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      // A refused key or another tenant's id answers 401/404 by design; the browser logs those.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) this.errors.push(`${page.url()}: ${message.text()}`);
    });
    return page;
  }

  async signIn(page: Page, key: string): Promise<void> {
    await page.goto(`${this.baseUrl()}/ui`);
    await page.fill('input[name=api_key]', key);
    await page.click('button[type=submit]');
    await page.waitForSelector('header.topbar');
  }

  async close(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
  }
}
