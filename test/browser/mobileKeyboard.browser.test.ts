/**
 * A phone-sized screen (375 px) and the keyboard alone: agent descriptions whose Markdown
 * tables are wider than the screen, the install wizard's step indicator, the generated run
 * form's labels, and the whole customer journey without a mouse.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, expectAccessible, MOBILE, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { publishYaml, uniqueWord } from '../support/catalog.ts';
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

interface Focus {
  tag: string;
  name: string;
  /** A focus ring a person can see: an outline of 2 px or more, or a box shadow, not cut off by a box around it. */
  ring: boolean;
  /** Inside the wizard's current step (not its indicator). */
  inStep: boolean;
  /** A step link of the wizard's indicator; `current` if it is the open step's. */
  stepLink: boolean;
  current: boolean;
  description: string;
}

/** What has focus now, with the name a person would hear (label, aria-label or text). */
const focusOf = (page: Page): Promise<Focus> =>
  page.locator('html').evaluate((root) => {
    const doc = root.ownerDocument;
    const el = doc.activeElement;
    if (!el || el === doc.body) return { tag: 'BODY', name: '', ring: false, inStep: false, stepLink: false, current: false, description: '' };
    const style = doc.defaultView!.getComputedStyle(el);
    const labels = (el as unknown as { labels?: ArrayLike<{ textContent: string | null }> }).labels;
    const name = el.getAttribute('aria-label') ?? (labels && labels.length ? labels[0]!.textContent : null) ?? el.textContent ?? '';
    // The ring reaches about 5 px around the element: a box around it that hides overflow must not cut it off.
    const clipped = () => {
      const r = el.getBoundingClientRect();
      for (let box = el.parentElement; box && box !== doc.body; box = box.parentElement) {
        const s = doc.defaultView!.getComputedStyle(box);
        if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
        const b = box.getBoundingClientRect();
        if (r.left - 4 < b.left || r.right + 4 > b.right || r.top - 4 < b.top || r.bottom + 4 > b.bottom) return true;
      }
      return false;
    };
    const description = (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id: string) => doc.getElementById(id)?.textContent ?? '')
      .join(' ');
    return {
      tag: el.tagName,
      name: name.replace(/\s+/g, ' ').trim(),
      ring: ((style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none') && !clipped(),
      inStep: !!el.closest('.wizard-step'),
      stepLink: !!el.closest('nav.steps'),
      current: el.getAttribute('aria-current') === 'step',
      description,
    };
  });

const CONTROLS = ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'A', 'SUMMARY', 'DIV', 'PRE'];

/** Presses Tab until `wanted` holds (at most `max` times); every stop on the way must show a focus ring. Returns the presses. */
async function tabUntil(page: Page, wanted: (f: Focus) => boolean, max = 30, key = 'Tab'): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press(key);
    const f = await focusOf(page);
    expect(f.ring, `focus ring on ${f.tag} "${f.name}"`).toBe(true);
    if (wanted(f)) return presses;
  }
  const f = await focusOf(page);
  throw new Error(`${max} presses of ${key} did not get there; focus is on ${f.tag} "${f.name}"`);
}

/** How far the document scrolls sideways (0: it fits the screen). */
const sideways = (page: Page) => page.locator('html').evaluate((root) => root.scrollWidth - root.clientWidth);

const wideTableAgent = (id: string) => `id: ${id}
name: Wide Table ${id.slice(-6)}
version: 1.0.0
publisher: test-publisher
summary: An agent whose description holds a table of many columns.
description: |
  ## Thresholds

  | region | machine family | CPU p95 below | network p95 below | login older than | lookback | estimated monthly saving |
  |---|---|---|---|---|---|---|
  | europe-west1 | n2-standard-8 | 5 % | 50 KB/s | 14 days | 7 days | 182.50 USD |
  | us-central1 | e2-highmem-16 | 3 % | 20 KB/s | 30 days | 14 days | 401.20 USD |
categories: [finops]
tags: [wide]
runtime:
  local:
    entry: src/index.ts
permissions:
  - scope: vm.list
    risk: low
    reason: Read VMs.
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
releaseNotes: First release.
`;

describe('on a 375 px screen', () => {
  it("the idle VM reaper's page fits the screen: its Markdown table reflows", browserTest, async () => {
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await page.goto(`${urls.web}/#/agents/idle-vm-reaper`);
    await poll(() => page.locator('.prose table').count()).toBe(1);
    expect(await sideways(page)).toBe(0);
    expect(await page.locator('.prose table').innerText()).toContain('cpuThresholdPercent');
    await checkPage(page, 'agent-idle-vm-reaper'); // no sideways scroll at 375 or 1280 px, axe clean
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a table too wide to reflow scrolls inside its own labelled region, which the keyboard can reach and scroll', browserTest, async () => {
    const agentId = `wide-${uniqueWord()}`;
    await publishYaml(wideTableAgent(agentId));
    const { context, page } = await newPage(browser, { width: 320, height: 700 });
    await page.goto(`${urls.web}/#/agents/${agentId}`);
    await poll(() => page.locator('.prose table').count()).toBe(1);
    expect(await sideways(page)).toBe(0);
    const region = page.getByRole('region', { name: /^Table: region, machine family/ });
    await poll(() => region.count()).toBe(1);
    expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    // Reached by Tab (it is focusable), scrolled by the arrow keys.
    for (let i = 0; i < 60 && !(await region.evaluate((el) => el === el.ownerDocument.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await region.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    const ring = await region.evaluate((el) => {
      const style = el.ownerDocument.defaultView!.getComputedStyle(el);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    });
    expect(ring).toBe(true);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    await expectAccessible(page, 'agent-wide-table');
    // At a desktop width the same table fits: no scroll region, no extra tab stop.
    await page.setViewportSize({ width: 1280, height: 900 });
    await poll(() => page.getByRole('region', { name: /^Table:/ }).count()).toBe(0);
    expect(await page.locator('.prose .table-scroll[tabindex]').count()).toBe(0);
    await context.close();
  });

  it("wizard: each step opens on its heading with its first control at most 2 Tabs away; the step indicator is one tab stop the arrow keys move through", browserTest, async () => {
    const owner = await signUp('steps');
    const ws = await newWorkspace(owner, 'Steps');
    const draft = await call('POST', `/workspaces/${ws.id}/installs`, { token: owner.idToken, body: { agentId: 'idle-vm-reaper' } });
    expect(draft.status).toBe(201);
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Steps' });
    await page.goto(`${urls.web}/#/install/${ws.id}/${draft.body.id}?step=choose`);
    const names = ['Choose', 'Configure', 'Connect', 'Consent', 'Triggers', 'Review and deploy'];
    for (const [i, name] of names.entries()) {
      const title = `Step ${i + 1} of 6: ${name}`;
      await poll(() => page.getByRole('heading', { name: title }).count()).toBe(1);
      // The step is announced: focus lands on its heading.
      await poll(async () => { const f = await focusOf(page); return `${f.tag} ${f.name}`; }).toBe(`H2 ${title}`);
      // Once the step has drawn its controls (some load data first), count the Tab presses to the first.
      await poll(() => page.locator('.wizard-step').locator('input, select, textarea, button, a[href]').count()).toBeGreaterThan(0);
      const tabs = await tabUntil(page, (f) => f.inStep && CONTROLS.includes(f.tag), 10);
      expect(tabs, `Tab presses to the first control of ${name}`).toBeLessThanOrEqual(2);
      // Back: one Shift+Tab reaches the indicator, on the open step's link.
      await page.keyboard.press('Shift+Tab');
      let f = await focusOf(page);
      expect([f.stepLink, f.current, f.ring]).toEqual([true, true, true]);
      expect(f.name).toMatch(new RegExp(`^${i + 1} ${name}`));
      if (i === 0) {
        expect(f.description).toMatch(/arrow keys/i);
        // One tab stop: the next Shift+Tab leaves the indicator.
        await page.keyboard.press('Shift+Tab');
        expect((await focusOf(page)).stepLink).toBe(false);
        await page.keyboard.press('Tab');
        expect((await focusOf(page)).current).toBe(true);
        // End, Home and the arrows move along the steps (wrapping around), each link showing its ring.
        await page.keyboard.press('End');
        expect((await focusOf(page)).name).toMatch(/^6 Review and deploy/);
        await page.keyboard.press('ArrowRight');
        expect((await focusOf(page)).name).toMatch(/^1 Choose/);
        await page.keyboard.press('ArrowLeft');
        expect((await focusOf(page)).name).toMatch(/^6 Review and deploy/);
        await page.keyboard.press('Home');
        f = await focusOf(page);
        expect(f.name).toMatch(/^1 Choose/);
        expect(f.ring).toBe(true);
        // While the list has focus, the hint is on screen too.
        expect(await page.locator('.steps-hint').isVisible()).toBe(true);
        expect(await page.locator('.steps-hint').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(100);
        await page.screenshot({ path: path.join(artifactsDir, 'wizard-steps-focused-375.png') });
      }
      if (i === names.length - 1) break;
      // The next step's link, opened with Enter: the links still work.
      await page.keyboard.press(i % 2 ? 'ArrowDown' : 'ArrowRight');
      expect((await focusOf(page)).name).toMatch(new RegExp(`^${i + 2} ${names[i + 1]}`));
      await page.keyboard.press('Enter');
    }
    await checkPage(page, 'wizard-keyboard-review');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the run form labels its fields in words (the schema title, else the property name made readable), with the description as help', browserTest, async () => {
    const owner = await signUp('labels');
    const ws = await newWorkspace(owner, 'Labels');
    await installAgent(ws, 'idle-vm-reaper');
    const { context, page } = await newPage(browser, MOBILE);
    await signInAs(page, owner, { id: ws.id, name: 'Labels' });
    await page.goto(`${urls.web}/#/workspace`);
    await page.getByRole('button', { name: 'Run now' }).click();
    const cpu = page.getByLabel('CPU threshold percent', { exact: true });
    await poll(() => cpu.count()).toBe(1);
    expect(await cpu.inputValue()).toBe('5');
    // The description is the field's help text, tied to it by aria-describedby.
    const help = await cpu.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(' ').map((id: string) => el.ownerDocument.getElementById(id)?.textContent ?? '').join(' '));
    expect(help).toContain('A VM whose CPU p95 (percent) is at or above this is in use.');
    for (const label of ['As of', 'Network threshold bytes', 'Min days since login', 'Min lookback days', 'Exclude projects', 'Max stops', 'Dry run']) {
      expect(await page.getByLabel(label, { exact: true }).count(), label).toBe(1);
    }
    await checkPage(page, 'run-form-labels');
    await context.close();
  });

  it('the whole journey from the keyboard alone: sign up, workspace, search, agent, the six wizard steps, run now, its logs', browserTest, async () => {
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    const email = `keys-${randomUUID().slice(0, 8)}@example.test`;
    const key = (k: string) => page.keyboard.press(k);
    const named = (name: string, tag: string) => (f: Focus) => f.tag === tag && f.name === name;
    const focusedHeading = async () => {
      const f = await focusOf(page);
      return `${f.tag} ${f.name}`;
    };

    // Sign up.
    await page.goto(`${urls.web}/#/signin`);
    await page.getByLabel('Email').waitFor();
    await tabUntil(page, named('Email', 'INPUT'));
    await page.keyboard.type(email);
    await tabUntil(page, named('Password', 'INPUT'));
    await page.keyboard.type('correct-horse-battery');
    await tabUntil(page, named('Create account', 'BUTTON'));
    await key('Enter');

    // No workspace yet: create one (Enter in its name field submits).
    await poll(focusedHeading).toBe('H1 Workspaces');
    await tabUntil(page, named('Name', 'INPUT'));
    await page.keyboard.type('Keys');
    await key('Enter');
    await poll(focusedHeading).toBe('H1 Dashboard: Keys');

    // Back up into the header for the catalog; search it as you type.
    await tabUntil(page, named('Catalog', 'A'), 20, 'Shift+Tab');
    await key('Enter');
    await poll(focusedHeading).toBe('H1 Agents');
    await tabUntil(page, named('Search', 'INPUT'));
    await page.keyboard.type('idle vm');
    await poll(() => page.locator('#catalog-results:not([aria-busy]) li').count()).toBe(1);
    await tabUntil(page, (f) => f.tag === 'A' && f.name.startsWith('Idle VM Reaper'));
    await key('Enter');

    // The agent page: its table and Install.
    await poll(focusedHeading).toBe('H1 Idle VM Reaper');
    // The versions list is slow to come: step 1 says it is loading until its controls are there.
    let releaseVersions = () => {};
    const versionsHeld = new Promise<void>((r) => (releaseVersions = r));
    await page.route('**/v1/agents/idle-vm-reaper/versions*', async (route) => {
      await versionsHeld;
      await route.continue();
    });
    await tabUntil(page, named('Install in Keys', 'BUTTON'), 40);
    await key('Enter');

    // The wizard: each step opens on its heading, and says so while it loads what it shows.
    const wizardStep = page.locator('.wizard-step');
    const step = async (n: number, name: string) => {
      await poll(focusedHeading).toBe(`H2 Step ${n} of 6: ${name}`);
      await poll(() => wizardStep.getAttribute('aria-busy')).toBe(null);
    };
    await poll(focusedHeading).toBe('H2 Step 1 of 6: Choose');
    expect(await wizardStep.getAttribute('aria-busy')).toBe('true');
    expect(await wizardStep.innerText()).toContain('Loading');
    releaseVersions();
    await step(1, 'Choose');
    await tabUntil(page, named('Continue', 'BUTTON'));
    await key('Enter');
    await step(2, 'Configure');
    await tabUntil(page, named('Save and continue', 'BUTTON'));
    await key('Enter');
    await step(3, 'Connect');
    await tabUntil(page, named('Continue', 'BUTTON'));
    await key('Enter');
    await step(4, 'Consent');
    await tabUntil(page, (f) => f.tag === 'INPUT' && f.name.startsWith('I allow Idle VM Reaper'));
    await key('Space');
    await tabUntil(page, named('Accept and continue', 'BUTTON'));
    await key('Enter');
    await step(5, 'Triggers');
    await tabUntil(page, named('Add a schedule', 'BUTTON'));
    await key('Enter');
    await poll(async () => (await focusOf(page)).name).toBe('Cron expression');
    expect((await focusOf(page)).ring).toBe(true);
    await key('Control+A');
    await page.keyboard.type('0 6 * * 1-5');
    await tabUntil(page, named('Time zone', 'INPUT'));
    await key('Control+A');
    await page.keyboard.type('Europe/Paris');
    await tabUntil(page, named('Save and show next runs', 'BUTTON'));
    // The save takes a moment here; Enter pressed twice meanwhile saves once.
    let saves = 0;
    await page.route('**/v1/workspaces/*/installs/*/triggers', async (route) => {
      if (route.request().method() === 'PUT') {
        saves++;
        await new Promise((r) => setTimeout(r, 800));
      }
      await route.continue();
    });
    await key('Enter');
    await key('Enter');
    // A button busy with its request keeps focus (a disabled one would drop it to the page's body).
    expect((await focusOf(page)).name).toBe('Save and show next runs');
    await poll(() => page.locator('.next-fires li').count()).toBe(5);
    const saved = await focusOf(page);
    expect([saved.name, saved.ring]).toEqual(['Save and show next runs', true]);
    expect(saves).toBe(1);
    await tabUntil(page, named('Continue to review', 'BUTTON'));
    await key('Enter');
    await step(6, 'Review and deploy');
    await poll(() => page.getByText('Everything is in place').count()).toBe(1);
    await checkPage(page, 'keyboard-wizard-review');
    await tabUntil(page, named('Deploy', 'BUTTON'));
    await key('Enter');

    // The dashboard: Run now opens the input form on its first field; a dry run, started with Enter.
    await poll(() => page.getByText('Idle VM Reaper is deployed.').count()).toBe(1);
    await poll(focusedHeading).toBe('H1 Dashboard: Keys');
    await poll(() => page.getByRole('button', { name: 'Run now' }).count()).toBe(1);
    await tabUntil(page, named('Run now', 'BUTTON'));
    await key('Enter');
    await poll(async () => (await focusOf(page)).name).toBe('As of');
    expect((await focusOf(page)).ring).toBe(true);
    await tabUntil(page, named('Dry run', 'INPUT'));
    await key('Space');
    expect(await page.getByLabel('Dry run', { exact: true }).isChecked()).toBe(true);
    await checkPage(page, 'keyboard-run-form');
    await tabUntil(page, named('Start run', 'BUTTON'));
    await key('Enter');

    // The run: it succeeds; its logs are reached and scrolled from the keyboard.
    await poll(() => page.locator('.state-line .state-succeeded').count()).toBe(1);
    await poll(() => page.locator('.log-rows .log-row').count()).toBeGreaterThan(0);
    await tabUntil(page, (f) => f.tag === 'DIV' && /log/i.test(f.name), 40);
    // Lines longer than the screen are not cut off: the log scrolls sideways, by the arrow keys too.
    const viewport = page.locator('.log-viewport');
    const cut = await viewport.evaluate((el) => [...el.querySelectorAll('.log-row .msg')].filter((m) => m.scrollWidth > m.clientWidth + 1).length);
    expect(cut, 'log lines cut off').toBe(0);
    expect(await viewport.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    for (let i = 0; i < 5; i++) await key('ArrowRight');
    await poll(() => viewport.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    await checkPage(page, 'keyboard-run');
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the header's workspace switcher: arrow keys browse the workspaces, Enter switches, leaving without Enter switches nothing", browserTest, async () => {
    const owner = await signUp('switch');
    const names = ['Switch A', 'Switch B', 'Switch C'];
    const spaces = [];
    for (const name of names) spaces.push({ id: (await newWorkspace(owner, name)).id, name });
    const { context, page } = await newPage(browser, MOBILE);
    const errors = collectErrors(page);
    const switcher = page.getByLabel('Workspace', { exact: true });
    // Start in the workspace listed first; browse down two.
    await signInAs(page, owner, spaces[0]);
    await page.goto(`${urls.web}/#/workspace`);
    await poll(() => switcher.locator('option').count()).toBe(3);
    const listed = await switcher.locator('option').allInnerTexts();
    if (listed[0] !== spaces[0]!.name) {
      await switcher.selectOption({ label: listed[0]! });
      await poll(() => page.getByRole('heading', { name: `Dashboard: ${listed[0]}` }).count()).toBe(1);
      await poll(() => switcher.locator('option').count()).toBe(3);
    }
    const heading = () => page.getByRole('heading', { level: 1 }).innerText();
    await poll(heading).toBe(`Dashboard: ${listed[0]}`);

    await tabUntil(page, (f) => f.tag === 'SELECT' && f.name === 'Workspace', 20, 'Shift+Tab');
    await page.keyboard.press('ArrowDown');
    await new Promise((r) => setTimeout(r, 1000)); // a switch would have navigated by now
    expect(await heading()).toBe(`Dashboard: ${listed[0]}`);
    expect((await focusOf(page)).tag).toBe('SELECT');
    await page.keyboard.press('ArrowDown');
    expect(await switcher.inputValue()).toBe(spaces.find((w) => w.name === listed[2])!.id);
    await page.keyboard.press('Enter');
    await poll(heading).toBe(`Dashboard: ${listed[2]}`);

    // Browsing, then Tab away: still in the same workspace, and the switcher says so.
    await poll(() => switcher.locator('option').count()).toBe(3);
    await tabUntil(page, (f) => f.tag === 'SELECT' && f.name === 'Workspace', 20, 'Shift+Tab');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Tab');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await heading()).toBe(`Dashboard: ${listed[2]}`);
    expect(await switcher.inputValue()).toBe(spaces.find((w) => w.name === listed[2])!.id);
    // The mouse (or a touch screen's picker) still switches at once.
    await switcher.selectOption({ label: listed[1]! });
    await poll(heading).toBe(`Dashboard: ${listed[1]}`);
    expect(errors).toEqual([]);
    await context.close();
  });
});
