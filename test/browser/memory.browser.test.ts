/**
 * Agent memory on the web (issue 25, "Users see and control it"): an install's memory page
 * shows the counters per level against the quota, browses each level a page at a time, forgets
 * one item (a task key holding `/` included), searches vector memory with scores and exports
 * every page as one JSON file; forgets everything in batches with its progress (an uninstalled
 * install's memory, before its purge); saves the retention per level, resets it, and shows the
 * plan's refusal; a viewer sees it all without the controls. Memories are written as an agent
 * writes them: through the runner API, by a live run of the install.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { publishYaml, uniqueWord, yamlFor } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { call } from '../support/http.ts';
import { seedStartingRun } from '../support/runs.ts';
import { urls } from '../support/stack.ts';
import { addMember, installAgent, newWorkspace, signUp, type TestWorkspace } from '../support/users.ts';
import { formatBytes, formatCount, formatPercent } from '../../web/src/i18n.ts';
import type { MemorySummary } from '../../web/src/pages/memory/memoryFigures.ts';

let browser: Browser;
const agentId = `${uniqueWord()}-webmem`;
beforeAll(async () => {
  browser = await launchChromium();
  await publishYaml(`${yamlFor({ id: agentId, name: 'Web Memory Probe' }, 'memory-web-tests')}memory: [task, vector, episode]\n`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A deployed install of the probe and a live run of it, whose runner writes memory. */
async function installWithRun(ws: TestWorkspace) {
  const installId = await installAgent(ws, agentId);
  const { runId, token } = await seedStartingRun(ws.id, { agentId, agentVersion: '1.0.0', installId, by: ws.owner.uid });
  const runner = async (path: string, body?: unknown) => {
    const r = await call('POST', `/runner/runs/${runId}/${path}`, { token, body });
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body;
  };
  const memory = (path: string, body: unknown) => runner(`memory/${path}`, body);
  return { installId, runId, runner, memory };
}

const memoryUrl = (wsId: string, installId: string) => `${urls.web}/#/installs/${wsId}/${installId}/memory`;

/** A level's row of the usage table: items, size, reads, writes, searches, hit rate, evictions, expirations. */
const usageRow = (page: Page, level: string) => page.locator(`#memory-usage tr[data-level="${level}"] td`).allInnerTexts();
/** The focused element's id and text (this program is type-checked without the DOM library: the page is reached through an element). */
const focusedId = (page: Page) => page.locator('html').evaluate((root) => root.ownerDocument.activeElement?.id ?? '');
const focusedText = (page: Page) => page.locator('html').evaluate((root) => root.ownerDocument.activeElement?.textContent ?? '');
/** The same row from the API's figures, as the page words them. */
const figures = (f: MemorySummary['total']) => [
  formatCount(f.items),
  formatBytes(f.bytes),
  formatCount(f.reads),
  formatCount(f.writes),
  formatCount(f.searches),
  f.hitRate === null ? '–' : formatPercent(f.hitRate),
  formatCount(f.evictions),
  formatCount(f.expirations),
];

describe("an install's memory on the web", () => {
  it('shows the counters and quota; browses a level a page at a time; forgets one key and one memory; searches with scores; exports one JSON file', browserTest, async () => {
    const owner = await signUp('memory');
    const ws = await newWorkspace(owner, 'Memory');
    const { installId, runId, runner, memory } = await installWithRun(ws);
    // 24 task keys (more than a page of 20), one holding `/`; 3 vector memories; an episode; one search by the agent.
    await memory('task/put', { key: 'baselines/gcp/europe-west1', value: { daily: 1200 } });
    for (let i = 0; i < 23; i++) await memory('task/put', { key: `notes:${String(i).padStart(2, '0')}`, value: { i } });
    await memory('vector/upsert', {
      items: [
        { id: 'm1', text: 'idle VM web-1 in europe-west1 was stopped after approval', metadata: { region: 'eu' } },
        { id: 'm2', text: 'idle VM batch-7 in europe-west1 was kept: a human rejected stopping it', metadata: { region: 'eu' } },
        { id: 'm3', text: 'certificate api.example.com expires in 12 days', metadata: { region: 'us' } },
      ],
    });
    await memory('episodes', { saw: '3 idle VMs in europe-west1', did: 'proposed stopping 3', outcome: 'partial', metadata: {} });
    await memory('vector/search', { query: 'idle VM stopped in europe-west1', k: 2 });
    // The run ends: it counts as a run with memory.
    await runner('started');
    await runner('complete', { outcome: 'succeeded' });
    const api = apiAs(owner.idToken);
    const params = { wsId: ws.id, installId };
    const summary = await api.call('getInstallMemory', { params });
    expect(summary.total.items).toBe(28);

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Memory' });

    // The dashboard's card links to the install's memory.
    await page.goto(`${urls.web}/#/workspace`);
    const card = page.locator(`li.install-card[data-install="${installId}"]`);
    await poll(() => card.getByRole('link', { name: 'Memory', exact: true }).count()).toBe(1);
    await card.getByRole('link', { name: 'Memory', exact: true }).click();
    await poll(() => page.getByRole('heading', { name: `Agent memory: ${agentId}`, level: 1 }).count()).toBe(1);

    // The counters per level, from the agent's own use; the quota; per run; the embedding space.
    await poll(() => usageRow(page, 'task')).toEqual(figures(summary.levels.task));
    expect(summary.levels.task).toMatchObject({ items: 24, writes: 24, hitRate: null });
    expect(await usageRow(page, 'vector')).toEqual(figures(summary.levels.vector));
    expect(summary.levels.vector).toMatchObject({ items: 3, writes: 3, searches: 1, hitRate: 1 });
    expect((await usageRow(page, 'vector'))[5]).toBe('100%');
    expect(await usageRow(page, 'episode')).toEqual(figures(summary.levels.episode));
    expect(await usageRow(page, 'total')).toEqual(figures(summary.total));
    expect(await page.getByLabel('Items: 28 of 2,000 (1.4%)').getAttribute('value')).toBe(String(28 / 2000));
    expect(await page.locator('meter#memory-quota-bytes').count()).toBe(1);
    const facts = await page.locator('#memory-usage dl.details').innerText();
    expect(facts).toContain(`Runs with memory\n${summary.runs}`);
    expect(facts).toContain(`Embedding space\n${summary.embeddingSpace!.model}, ${summary.embeddingSpace!.dimensions} dimensions`);
    expect(await page.locator('#memory-purge').count()).toBe(0);
    await checkPage(page, 'memory-usage');

    // Task memory a page at a time: 20, then the rest.
    const taskList = page.locator('#memory-task-list');
    await poll(() => page.locator('#memory-task-status').innerText()).toBe('Showing 20 keys (more below).');
    expect(await taskList.locator('li').count()).toBe(20);
    await page.locator('[data-level="task"]').getByRole('button', { name: 'Load more' }).click();
    await poll(() => page.locator('#memory-task-status').innerText()).toBe('Showing 24 keys.');
    const slashed = taskList.locator('li[data-key="baselines/gcp/europe-west1"]');
    expect(await slashed.innerText()).toContain('{"daily":1200}');

    // Forget asks first: dismissed, nothing happens; accepted, the key is gone (its / sent as %2F) and the counters follow.
    page.once('dialog', (d) => void d.dismiss());
    await slashed.getByRole('button', { name: 'Forget' }).click();
    expect(await slashed.count()).toBe(1);
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await slashed.getByRole('button', { name: 'Forget' }).click();
    await poll(() => slashed.count()).toBe(0);
    expect(asked).toBe('Forget the key baselines/gcp/europe-west1? The agent will no longer see it. This cannot be undone.');
    await poll(() => page.locator('#app-status').innerText()).toBe('Forgot the key baselines/gcp/europe-west1.');
    expect(await page.locator('#memory-task-status').innerText()).toBe('Showing 23 keys.');
    // Focus went to the next item's button, not to the page's body.
    expect(await focusedText(page)).toBe('Forget');
    await poll(async () => (await usageRow(page, 'task'))[0]).toBe('23');
    expect((await api.call('listInstallMemoryTask', { params, query: { prefix: 'baselines/' } })).items).toEqual([]);

    // The tabs take the arrow keys: Vector memory, with its search by meaning, scored as the agent's searches are.
    await page.getByRole('tab', { name: 'Task' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Vector' }).getAttribute('aria-selected')).toBe('true');
    await poll(() => page.locator('#memory-vector-status').innerText()).toBe('Showing 3 memories.');
    const expected = await api.call('searchInstallMemoryVector', { params, body: { query: 'idle VM stopped in europe-west1', k: 2 } });
    await page.getByLabel('Text to search for').fill('idle VM stopped in europe-west1');
    await page.getByLabel('Results', { exact: true }).fill('2');
    await page.getByLabel('Results', { exact: true }).press('Enter');
    await poll(() => page.locator('#memory-search-status').innerText()).toBe('2 memories found, nearest first (a score of 1 is the closest).');
    const hits = page.locator('#memory-search-results li');
    expect(await hits.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-vector')))).toEqual(expected.results.map((r) => r.id));
    expect(await hits.first().locator('.score').innerText()).toBe(`score ${expected.results[0]!.score.toFixed(2)}`);
    // A blank search is caught at its field.
    await page.getByLabel('Text to search for').fill('  ');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await poll(() => page.locator('#memory-search-query-error').innerText()).toBe('Enter a text to search for.');
    await checkPage(page, 'memory-vector');

    page.once('dialog', (d) => void d.accept());
    await page.locator('#memory-vector-list li[data-vector="m3"]').getByRole('button', { name: 'Forget' }).click();
    await poll(() => page.locator('#memory-vector-list li').count()).toBe(2);
    await poll(async () => (await usageRow(page, 'vector'))[0]).toBe('2');

    // Episodes: what the run saw and did, with a link to the run.
    await page.getByRole('tab', { name: 'Episodes' }).click();
    const episode = page.locator(`#memory-episode-list li[data-run="${runId}"]`);
    await poll(() => episode.count()).toBe(1);
    expect(await episode.innerText()).toContain('Saw: 3 idle VMs in europe-west1');
    expect(await episode.getByRole('link', { name: `Run ${runId}` }).getAttribute('href')).toBe(`#/runs/${ws.id}/${runId}`);

    // The export: every page as one JSON file, without embeddings.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export as JSON' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^memory-${agentId}-${installId}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
    const text = await readFile((await download.path())!, 'utf8');
    const file = JSON.parse(text);
    expect(file.install).toEqual({ id: installId, wsId: ws.id, agentId });
    expect({ task: file.task.length, vector: file.vector.map((v: { id: string }) => v.id).sort(), episodes: file.episodes.length }).toEqual({ task: 23, vector: ['m1', 'm2'], episodes: 1 });
    expect(file.task).toContainEqual({ key: 'notes:00', value: { i: 0 }, version: 1, updatedAt: expect.any(String) });
    expect(text).not.toMatch(/embedding/i);
    await poll(() => page.locator('#memory-export-status').innerText()).toContain('Exported 26 memories to memory-');

    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("forgets everything in batches, with its progress, for an uninstalled install before its purge (reached from the dashboard's metrics)", browserTest, async () => {
    const owner = await signUp('forgetall');
    const ws = await newWorkspace(owner, 'Forget all');
    const { installId, runner, memory } = await installWithRun(ws);
    // 520 vector memories and a key: more than one batch of 500.
    for (let b = 0; b < 26; b++) {
      await memory('vector/upsert', { items: Array.from({ length: 20 }, (_, i) => ({ id: `bulk-${b}-${i}`, text: `bulk memory ${b} ${i}`, metadata: {} })) });
    }
    await memory('task/put', { key: 'k', value: 1 });
    await runner('started');
    await runner('complete', { outcome: 'succeeded' });
    const api = apiAs(owner.idToken);
    // The finished run puts the install in the workspace metrics (written after the run ends).
    await poll(async () => (await api.call('workspaceMetrics', { params: { wsId: ws.id } })).installs.find((i) => i.installId === installId)?.memory?.items, 20_000).toBe(521);
    expect((await call('DELETE', `/workspaces/${ws.id}/installs/${installId}`, { token: owner.idToken })).status).toBe(204);
    expect((await api.call('getInstallMemory', { params: { wsId: ws.id, installId } })).purgeAt).not.toBeNull();

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    // The second batch waits until the page has said how far the first got.
    const batches: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**/v1/workspaces/${ws.id}/installs/${installId}/memory`, async (route) => {
      if (route.request().method() !== 'DELETE') return route.continue();
      batches.push(route.request().method());
      if (batches.length === 2) await held;
      return route.continue();
    });
    await signInAs(page, owner, { id: ws.id, name: 'Forget all' });
    // Uninstalled, the install has no card; its line in the metrics links to its memory.
    await page.goto(`${urls.web}/#/workspace`);
    const link = page.locator(`.metrics-table a[data-memory-link="${installId}"]`);
    await poll(() => link.count()).toBe(1);
    expect(await page.locator(`li.install-card[data-install="${installId}"]`).count()).toBe(0);
    expect(await link.innerText()).toMatch(/^521 items, [\d.]+ MB$/);
    await link.click();
    await poll(() => page.getByRole('heading', { name: `Agent memory: ${agentId}`, level: 1 }).count()).toBe(1);
    expect(await page.getByText(`Uninstalled install of ${agentId}.`).count()).toBe(1);
    // Uninstalled: when the memory goes, and what to do before.
    const purge = page.locator('#memory-purge');
    await poll(() => purge.count()).toBe(1);
    expect(await purge.innerText()).toMatch(/^This install was uninstalled: its memory is deleted on .* \(in (29|30) days\)\. Export it before then/);
    await poll(async () => (await usageRow(page, 'total'))[0]).toBe('521');

    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByRole('button', { name: 'Forget everything…' }).click();
    expect(asked).toBe('Forget every memory of this install (521 now)? This cannot be undone.');
    await poll(() => page.locator('#memory-forget-all-said').innerText()).toBe('Forgetting… 500 memories forgotten so far.');
    expect(await page.getByLabel('Memories forgotten').evaluate((el) => [(el as unknown as { value: number }).value, (el as unknown as { max: number }).max])).toEqual([500, 521]);
    await checkPage(page, 'memory-forget-all-progress');
    release();
    await poll(() => page.locator('#memory-forget-all-said').innerText()).toBe('Forgot everything: 521 memories.');
    expect(batches).toHaveLength(2);
    // The counters and the lists start again.
    await poll(async () => (await usageRow(page, 'total'))[0]).toBe('0');
    await poll(() => page.locator('#memory-task-status').innerText()).toBe('No keys.');
    expect((await api.call('getInstallMemory', { params: { wsId: ws.id, installId } })).total.items).toBe(0);
    expect(await alertText(page)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("saves the retention per level, resets a level to its default, and shows the plan's refusal beside the level", browserTest, async () => {
    const owner = await signUp('retention');
    const ws = await newWorkspace(owner, 'Retention');
    const { installId, memory } = await installWithRun(ws);
    await memory('task/put', { key: 'k', value: 1 });
    const api = apiAs(owner.idToken);
    const params = { wsId: ws.id, installId };
    const first = await api.call('getInstallMemory', { params });

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Retention' });
    await page.goto(memoryUrl(ws.id, installId));
    const task = page.getByLabel('Task memory (days)');
    await poll(() => task.inputValue()).toBe(String(first.retentionDays.task));
    expect(await page.locator('#memory-retention-task-hint').innerText()).toBe(`The default, ${first.retentionDays.task} days, is in force. Your plan allows up to ${first.maxRetentionDays.task} days.`);
    expect(await page.getByRole('button', { name: /^Reset .* to default$/ }).count()).toBe(0);
    await checkPage(page, 'memory-retention');

    // Whole days only, checked here before anything is sent.
    await task.fill('1.5');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await poll(() => page.locator('#memory-retention-task-error').innerText()).toBe('Enter whole days, such as 90.');
    expect(await task.getAttribute('aria-invalid')).toBe('true');

    // 30 days for task memory: saved; the default and the plan's maximum still said.
    await task.fill('30');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await poll(() => page.locator('#app-status').innerText()).toBe('The retention is saved.');
    await poll(() => page.locator('#memory-retention-task-hint').innerText()).toBe(`Set for this install; the default is ${first.retentionDays.task} days. Your plan allows up to ${first.maxRetentionDays.task} days.`);
    expect(await page.getByLabel('Task memory (days)').inputValue()).toBe('30');
    const saved = await api.call('getInstallMemory', { params });
    expect({ days: saved.retentionDays, overrides: saved.retentionOverrides }).toEqual({ days: { ...first.retentionDays, task: 30 }, overrides: { task: 30 } });

    // Past the plan's maximum: the server's refusal, said above the button and beside the level; nothing changes.
    const over = first.maxRetentionDays.vector + 1;
    await page.getByLabel('Vector memory (days)').fill(String(over));
    await page.getByRole('button', { name: 'Save retention' }).click();
    const problem = page.locator('#memory-retention-problem');
    await poll(() => problem.innerText()).toContain('Not saved.');
    expect(await problem.innerText()).toContain('memory_retention_over_plan');
    expect(await page.locator('#memory-retention-vector-error').innerText()).toContain(String(first.maxRetentionDays.vector));
    expect(await page.getByLabel('Vector memory (days)').getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('memory-retention-problem');
    await checkPage(page, 'memory-retention-refused');
    expect((await api.call('getInstallMemory', { params })).retentionOverrides).toEqual({ task: 30 });

    // Reset to default sends null for that level.
    await page.getByRole('button', { name: 'Reset Task memory to default' }).click();
    await poll(() => page.locator('#app-status').innerText()).toBe(`Task memory: back to the default, ${first.retentionDays.task} days.`);
    expect(await page.getByLabel('Task memory (days)').inputValue()).toBe(String(first.retentionDays.task));
    expect(await focusedId(page)).toBe('memory-retention-task');
    expect((await api.call('getInstallMemory', { params })).retentionOverrides).toEqual({});

    expect(errors).toEqual([expect.stringMatching(/^400 PUT .*\/memory\/retention$/)]);
    await context.close();
  });

  it('a viewer reads the memory and exports it, without Forget, Forget everything or the retention form; an agent without memory has none to show', browserTest, async () => {
    const owner = await signUp('memowner');
    const ws = await newWorkspace(owner, 'Viewing');
    const { installId, memory } = await installWithRun(ws);
    await memory('task/put', { key: 'k', value: 1 });
    await memory('vector/upsert', { items: [{ id: 'x', text: 'remember me', metadata: {} }] });
    const plain = await installAgent(ws, 'cert-expiry-watcher');
    const viewer = await addMember(ws, 'viewer');

    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, viewer, { id: ws.id, name: 'Viewing' });
    // The card of the agent without memory asks its version whether it declares any: it does not, so no link.
    const plainVersion = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/v1/agents/cert-expiry-watcher/versions/'));
    await page.goto(`${urls.web}/#/workspace`);
    await poll(() => page.locator(`li.install-card[data-install="${installId}"] [data-memory-link]`).count()).toBe(1);
    expect((await plainVersion).status()).toBe(200);
    expect(await page.locator(`li.install-card[data-install="${plain}"]`).count()).toBe(1);
    expect(await page.locator(`li.install-card[data-install="${plain}"] [data-memory-link]`).count()).toBe(0);

    await page.goto(memoryUrl(ws.id, installId));
    await poll(() => page.locator('#memory-task-list li').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Forget' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Forget everything…' }).count()).toBe(0);
    expect(await page.getByText('Only owners and admins forget memories.').count()).toBe(1);
    expect(await page.locator('#memory-retention-title').locator('xpath=..').locator('input').count()).toBe(0);
    expect(await page.getByText('Only owners and admins change the retention.').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Export as JSON' }).count()).toBe(1);
    await page.getByRole('tab', { name: 'Vector' }).click();
    await poll(() => page.locator('#memory-vector-list li[data-vector="x"]').count()).toBe(1);
    expect(await page.locator('#memory-vector-list button').count()).toBe(0);
    await checkPage(page, 'memory-viewer');

    await page.goto(memoryUrl(ws.id, plain));
    await poll(() => page.getByText('This agent keeps no memory between runs.').count()).toBe(1);
    expect(await page.locator('#memory-usage').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
