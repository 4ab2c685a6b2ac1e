import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ENV, resolveChromium } from '../../scripts/lib/chromium.ts';

/**
 * Debian's Chromium flags that matter here: no sandbox (tests run as root), no GPU, and none of
 * the background traffic (updates, sync, field trials) that retries forever without a network.
 */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches headless Chromium: the one vitest's global setup or the bench resolved (handed on in
 * AM_CHROMIUM), else resolved here: Debian's, or the npm package's. Never a downloaded browser.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env[CHROMIUM_ENV] || (await resolveChromium());
  return chromium.launch({ executablePath, headless: true, args: FLAGS });
}

/** The locale every page is tested in, whatever the machine's LANG (with `C.UTF-8` Chromium reports `en-US@posix`). */
export const LOCALE = 'en-US';

/**
 * A fresh browser context (its own cache, cookies and storage) at `viewport`, in LOCALE. Every
 * context and page of the tests and the bench comes from here (lint forbids calling
 * `newContext`/`newPage` on a browser elsewhere).
 */
export async function newContext(browser: Browser, viewport: { width: number; height: number }): Promise<BrowserContext> {
  return browser.newContext({ viewport, locale: LOCALE });
}

export const artifactsDir = path.resolve('test-results', 'screenshots');
mkdirSync(artifactsDir, { recursive: true });
