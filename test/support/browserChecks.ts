import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { artifactsDir, newContext } from './browser.ts';
import { urls } from './stack.ts';
import type { TestUser } from './users.ts';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

export const MOBILE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * axe-core (evaluated in the page) on the page as it is now: fails on any serious or
 * critical violation, listing each with the elements concerned.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  // Evaluated, not added as a script tag: the app's Content-Security-Policy refuses inline
  // scripts, while evaluation from the test harness is not the page's own script.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  // Callbacks run in the page; they reach its globals through the element they are given
  // (this program is type-checked without the DOM library).
  const violations: AxeViolation[] = await page.locator('html').evaluate(async (root) => {
    const axe = (root.ownerDocument.defaultView as unknown as { axe: { run(ctx: unknown, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(root.ownerDocument, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `   ${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('\n')}`).join('\n');
  expect(report, `axe on ${name}`).toBe('');
}

/** Screenshots at 375 px and 1280 px wide into test-results/screenshots/, then the original size back. */
export async function screenshots(page: Page, name: string): Promise<void> {
  const original = page.viewportSize() ?? DESKTOP;
  for (const size of [MOBILE, DESKTOP]) {
    await page.setViewportSize(size);
    // Nothing may stick out sideways at this width (a 375 px phone scrolls only down).
    const wide: string[] = await page.locator('html').evaluate((root) => {
      const width = root.clientWidth;
      if (root.scrollWidth <= width) return [];
      return Array.from(root.querySelectorAll('body *') as ArrayLike<{ tagName: string; id: string; className: string; getBoundingClientRect(): { right: number } }>)
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${String(el.className)} (${Math.round(el.getBoundingClientRect().right)} px)`);
    });
    expect(wide, `${name} at ${size.width} px is wider than the screen`).toEqual([]);
    await page.screenshot({ path: path.join(artifactsDir, `${name}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** The checks every page gets: axe, and screenshots at both widths. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await screenshots(page, name);
}

/**
 * Console errors, uncaught exceptions and failed responses (4xx, 5xx) of a page, to assert
 * there were none. Chromium's own "Failed to load resource" line is replaced by the response
 * it is about, with its method and address.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return errors;
}

/** A fresh context (see `newContext`: locale pinned) and page at `size`. */
export async function newPage(browser: Browser, size = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, size);
  const page = await context.newPage();
  return { context, page };
}

/** Fills and sends the sign-in page's form for `user`; the app then goes to `next` (by default the dashboard). */
export async function submitSignIn(page: Page, user: TestUser, next?: string): Promise<void> {
  await page.goto(`${urls.web}/#/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs `user` in through the sign-in page, with `ws` as their current workspace, and waits for the page it lands on. */
export async function signInAs(page: Page, user: TestUser, ws?: { id: string; name: string }): Promise<void> {
  if (ws) {
    await page.addInitScript(
      ([uid, value]) => localStorage.setItem(`agent-marketplace.workspace.${uid}`, value!),
      [user.uid, JSON.stringify({ id: ws.id, name: ws.name })],
    );
  }
  await submitSignIn(page, user);
  // Signing in ends on the dashboard or, with no workspace chosen, on Workspaces where it sends
  // you. Wait for that landing: an address the test goes to next must not race its redirect.
  const landing = ws ? `Dashboard: ${ws.name}` : 'Workspaces';
  await expect.poll(() => page.getByRole('heading', { name: landing, exact: true, level: 1 }).count(), { timeout: 30_000 }).toBe(1);
}

/**
 * Polls until `fn`'s value passes the matcher. Pages wait on the API and the emulators, which
 * can take seconds when the whole suite (or a second checkout's) shares two cores.
 */
export const poll = <T>(fn: () => T | Promise<T>, timeout = 60_000) => expect.poll(fn, { timeout, interval: 100 });

/** Options for a browser test: room for a few slow waits (see `poll`) before vitest gives up. */
export const browserTest = { timeout: 180_000 };


/** The text of the page's alert region (where API errors are shown). */
export const alertText = (page: Page) => page.locator('#app-error').innerText();

/** Presses Tab until the focused element matches (at most `max` times): its tag, its label or text, and the approval card it is in. */
export async function tabTo(page: Page, wanted: (f: { tag: string; name: string; inside: string | null }) => boolean, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await page.locator('html').evaluate((root) => {
      const el = root.ownerDocument.activeElement;
      const labels = (el as unknown as { labels?: ArrayLike<{ textContent: string | null }> } | null)?.labels;
      const name = (labels && labels.length ? labels[0]!.textContent : el?.textContent) ?? '';
      return { tag: el?.tagName ?? '', name: name.replace(/\s+/g, ' ').trim(), inside: el?.closest('li.approval')?.getAttribute('data-approval') ?? null };
    });
    if (wanted(f)) return;
  }
  throw new Error(`${max} presses of Tab did not get there`);
}
