/**
 * The web app is served with a Content-Security-Policy: its own scripts only (nothing inline,
 * nothing injected), and no other site may frame it. The app itself runs under the policy
 * without a single violation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { browserTest, collectErrors, DESKTOP, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { call } from '../support/http.ts';
import { urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** The policy's directives by name. */
function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('Content-Security-Policy', () => {
  it('every page and asset Hosting serves carries it: own scripts only, no inline script, no framing', async () => {
    const index = await fetch(`${urls.web}/`);
    const deep = await fetch(`${urls.web}/install/anything`);
    for (const res of [index, deep]) {
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('script-src')?.[0]).toBe("'self'");
      expect(csp.get('script-src')).not.toContain("'unsafe-inline'");
      expect(csp.get('script-src')).not.toContain("'unsafe-eval'");
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
    }
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /<script[^>]*src="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    expect((await fetch(`${urls.web}${script}`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // The API's answers are data: nothing in them may load or be framed.
    const api = await fetch(`${urls.functionsApi}/agents`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    // Through Hosting, its own policy (no framing either) is the one that reaches the browser.
    expect((await fetch(`${urls.api}/agents`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('the app signs in, lists, installs and shows a run with no violation; a script injected into the page does not run', browserTest, async () => {
    const owner = await signUp('csp');
    const ws = await newWorkspace(owner, 'Policy');
    const installId = await installAgent(ws, 'cost-anomaly-detector');
    const run = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: owner.idToken, body: {} });
    expect(run.status).toBe(201);
    const { context, page } = await newPage(browser, DESKTOP);
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
    // Init scripts run as the browser's own (CSP does not apply to them); the tests have no DOM types, hence a string.
    await page.addInitScript("document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))");
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Policy' });
    await page.goto(`${urls.web}/#/workspace`);
    await poll(() => page.getByRole('button', { name: 'Run now' }).count()).toBeGreaterThan(0);
    await page.goto(`${urls.web}/#/`);
    await poll(() => page.locator('#catalog-results:not([aria-busy]) li').count()).toBeGreaterThan(0);
    await page.goto(`${urls.web}/#/agents/cost-anomaly-detector`);
    await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Cost Anomaly');
    // The run page listens to Firestore (the emulator locally) for the run's state and logs.
    await page.goto(`${urls.web}/#/runs/${ws.id}/${run.body.id}`);
    await poll(() => page.locator('main').innerText()).toMatch(/Succeeded/i);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);

    // What an injection (a sanitizer bug, a hostile extension's page script) would try.
    await page.evaluate("{ const s = document.createElement('script'); s.textContent = 'window.__injected = true'; document.body.append(s); }");
    await poll(() => violations.length).toBeGreaterThan(0);
    expect(violations[0]).toMatch(/^script-src/);
    expect(await page.evaluate('window.__injected')).toBeUndefined();
    await context.close();
  });

  it('another site cannot frame the app', browserTest, async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    await page.setContent(`<iframe id="f" src="${urls.web}/" width="800" height="600"></iframe>`);
    const frame = await (await page.waitForSelector('#f')).contentFrame();
    // Refused frames load Chromium's error page: the app's outlet never appears in them.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await frame!.locator('#outlet').count()).toBe(0);
    await context.close();
  });
});
