/**
 * Shared fixtures of the e2e specs: every page of every context a test opens is watched, and the
 * test fails when the browser logged a console error or threw (`pageerror`); `api` talks to the
 * server under test; `signIn` logs in through the real form and waits for the live stream.
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { ACCOUNTS, HangarApi, type Login } from './api';
import { PORT, STRIPE_WEBHOOK_SECRET } from './server';

/** Collects console errors and uncaught exceptions of the pages it watches. */
export class ConsoleWatch {
  readonly errors: string[] = [];
  private readonly allowed: RegExp[] = [];

  /** Watches `target`'s pages: a page, or every current and future page of a context. */
  watch(target: Page | BrowserContext): void {
    if ('newPage' in target) {
      target.pages().forEach((p) => this.watchPage(p));
      target.on('page', (p) => this.watchPage(p));
    } else this.watchPage(target);
  }

  /** Tolerates console errors matching `pattern` (say why at the call site). */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  unexpected(): string[] {
    return this.errors.filter((e) => !this.allowed.some((re) => re.test(e)));
  }

  private watchPage(page: Page): void {
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console.error: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
  }
}

interface Fixtures {
  consoleWatch: ConsoleWatch;
  api: HangarApi;
}

export const BASE_URL = `http://127.0.0.1:${PORT}`;

export const test = base.extend<Fixtures>({
  consoleWatch: [
    async ({ context }, use) => {
      const watch = new ConsoleWatch();
      watch.watch(context);
      await use(watch);
      expect(watch.unexpected(), 'the browser console must stay free of errors').toEqual([]);
    },
    { auto: true },
  ],
  // eslint-disable-next-line no-empty-pattern
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this destructuring
  api: async ({}, use) => use(new HangarApi(BASE_URL, STRIPE_WEBHOOK_SECRET)),
});

export { expect };

/** Logs in through /login and waits until the dashboard's stream is live. */
export async function signIn(page: Page, account: { email: string; password: string } = ACCOUNTS.owner1): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('login-email').fill(account.email);
  await page.getByTestId('login-password').fill(account.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL('**/hangarshare/owner/dashboard');
  await expectLive(page);
}

/** Waits for "Conectado em tempo real" and the first metrics. */
export async function expectLive(page: Page, timeout = 15_000): Promise<void> {
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', { timeout });
  await expect(page.getByTestId('connection-status')).toHaveText('Conectado em tempo real');
  await expect(page.getByTestId('metric-revenue-today')).toBeVisible({ timeout });
}

/** Puts a session into a context's localStorage before any page loads (skips the form). */
export async function seedSession(context: BrowserContext, login: Pick<Login, 'token' | 'user' | 'owners'>): Promise<void> {
  await context.addInitScript((s) => {
    if (!localStorage.getItem('token')) {
      localStorage.setItem('token', s.token);
      localStorage.setItem('user', JSON.stringify(s.user));
      localStorage.setItem('owners', JSON.stringify(s.owners));
    }
  }, login);
}

/** The fresh metrics of an owner, straight from the server (`POST /api/ws request_metrics`). */
export async function serverMetrics(api: HangarApi, token: string, ownerId: number): Promise<Record<string, number>> {
  const reply = await api.request<{ data: Record<string, number> }>('POST', `/api/ws?ownerId=${ownerId}`, {
    token,
    body: { type: 'request_metrics', ownerId: String(ownerId) },
  });
  return reply.data;
}

/** Same spacing as the page: Intl puts no-break spaces in currency strings. */
export const normalize = (s: string | null) => (s ?? '').replace(/\s/g, ' ').trim();
