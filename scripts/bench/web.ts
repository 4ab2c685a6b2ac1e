import { gzipSync } from 'node:zlib';
import { launchChromium, newContext } from '../../test/support/browser.ts';
import type { Stack } from '../lib/stack.ts';
import { fmt, median, percentile } from './stats.ts';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The web app's catalog page in headless Chromium (Debian's or the npm package's) against the bench stack, each
 * load in a fresh browser context (a cold cache):
 * - the JavaScript it loads before showing results, per file and in total, gzip-compressed
 *   here (level 9, what a CDN serves) since the Hosting emulator sends it uncompressed;
 * - the time from navigation start to the first results on screen (the page's
 *   `catalog-results` performance mark), median of `rounds`, beside the API call alone.
 */
export async function benchWeb(stack: Stack, rounds = 5): Promise<void> {
  console.log(`\n== Web app: catalog page in headless Chromium (${rounds} cold loads) ==`);
  const browser = await launchChromium();
  try {
    const firstResults: number[] = [];
    let scripts: { name: string; raw: number; gzip: number }[] = [];
    for (let i = 0; i < rounds; i++) {
      const context = await newContext(browser, { width: 1280, height: 900 });
      const page = await context.newPage();
      const loaded: Promise<{ name: string; raw: number; gzip: number }>[] = [];
      page.on('response', (res) => {
        if (res.request().resourceType() !== 'script') return;
        loaded.push(
          res.body().then((body) => ({ name: new URL(res.url()).pathname, raw: body.length, gzip: gzipSync(body, { level: 9 }).length })),
        );
      });
      await page.goto(`${stack.urls.web}/#/`);
      await page.waitForFunction(() => performance.getEntriesByName('catalog-results').length > 0, undefined, { timeout: 30_000 });
      const t = await page.evaluate(() => performance.getEntriesByName('catalog-results')[0]!.startTime);
      const cards = await page.locator('#catalog-results li').count();
      if (cards === 0) throw new Error('the catalog showed no results');
      firstResults.push(t);
      scripts = await Promise.all(loaded);
      await context.close();
    }

    const api: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      const res = await fetch(`${stack.urls.api}/agents?limit=12`);
      await res.arrayBuffer();
      api.push(performance.now() - s);
    }

    const total = scripts.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });
    console.log('  JavaScript loaded by the catalog page before its first results:');
    for (const s of [...scripts].sort((a, b) => b.gzip - a.gzip)) console.log(`    ${s.name.padEnd(40)} ${kb(s.raw).padStart(10)} raw  ${kb(s.gzip).padStart(9)} gzip`);
    console.log(`    ${'total'.padEnd(40)} ${kb(total.raw).padStart(10)} raw  ${kb(total.gzip).padStart(9)} gzip  (${scripts.length} files; Firestore's chunk ${scripts.some((s) => s.name.includes('firestore')) ? 'IS' : 'is not'} among them)`);
    console.log(`  time to first catalog results: median ${fmt(median(firstResults))}, p95 ${fmt(percentile(firstResults, 95))}  (each: ${firstResults.map((x) => x.toFixed(0)).join(', ')} ms)`);
    console.log(`  the same API call from Node (GET /v1/agents?limit=12): median ${fmt(median(api))}`);
  } finally {
    await browser.close();
  }
}
