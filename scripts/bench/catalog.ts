import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { fmt, median, percentile, ratio } from './stats.ts';

const ADJ = ['idle', 'public', 'cost', 'budget', 'secure', 'rapid', 'smart', 'quiet', 'green', 'lean', 'cloud', 'night'];
const NOUN = ['reaper', 'auditor', 'guard', 'watcher', 'sweeper', 'tuner', 'scanner', 'detector', 'enforcer', 'cleaner', 'pilot', 'sentry'];
const TOPIC = ['vm', 'bucket', 'iam', 'log', 'kubernetes', 'certificate', 'snapshot', 'anomaly', 'tag', 'network', 'database', 'queue'];
const CATS = ['finops', 'security', 'compliance', 'reliability', 'observability', 'kubernetes', 'operations', 'data'];
const PRICING = ['free', 'subscription', 'per_run', 'per_unit'];

/** Seeds `count` synthetic published listings (deterministic pseudo-random), through the real listing builder. */
async function seedSynthetic(stack: Stack, count: number): Promise<void> {
  const { listingOf } = await import('../../functions/lib/app/catalog/publishAgent.js');
  const { ManifestSchema } = await import('../../functions/lib/domain/manifest.js');
  const { getFirestore } = await import('firebase-admin/firestore');
  const { initializeApp } = await import('firebase-admin/app');
  const db = getFirestore(initializeApp({ projectId: stack.profile.projectId }, `seed-${randomUUID()}`));
  // mulberry32: deterministic, and unlike an LCG's low bits, evenly spread for small moduli.
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const writer = db.bulkWriter();
  for (let i = 0; i < count; i++) {
    const words = [ADJ[rnd(ADJ.length)]!, TOPIC[rnd(TOPIC.length)]!, NOUN[rnd(NOUN.length)]!];
    const model = PRICING[rnd(PRICING.length)]!;
    const manifest = ManifestSchema.parse({
      id: `syn-${i}-${words.join('-')}`.slice(0, 63),
      name: words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') + ` ${i}`,
      version: '1.0.0',
      publisher: `pub-${rnd(200)}`,
      summary: `Synthetic ${words.join(' ')} agent number ${i} for the catalog benchmark.`,
      categories: [CATS[rnd(CATS.length)]!],
      tags: [TOPIC[rnd(TOPIC.length)]!, ADJ[rnd(ADJ.length)]!].filter((t, k, a) => a.indexOf(t) === k),
      runtime: { local: { entry: 'src/index.ts' } },
      pricing: model === 'free' ? { model } : model === 'per_unit' ? { model, amountCents: 5, unit: 'item' } : { model, amountCents: 900 },
      license: 'MIT',
      support: { email: 'bench@example.test' },
    });
    const listing = listingOf(manifest, new Date(Date.UTC(2026, 0, 1) + rnd(300) * 86_400_000));
    const ratingCount = rnd(50);
    const ratingSum = ratingCount * (1 + rnd(5));
    writer.set(db.collection('agents').doc(listing.id), {
      ...listing,
      installCount: rnd(5000),
      ratingCount,
      ratingSum,
      ratingAvg: ratingCount ? Math.round((ratingSum / ratingCount) * 100) / 100 : 0,
    });
  }
  await writer.close();
}

export async function benchCatalog(stack: Stack, count = 10_000, rounds = 5): Promise<void> {
  const t0 = performance.now();
  await seedSynthetic(stack, count);
  console.log(`\n== Catalog (${count} synthetic published agents, seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s) ==`);

  const { getFirestore } = await import('firebase-admin/firestore');
  const { initializeApp } = await import('firebase-admin/app');
  const db = getFirestore(initializeApp({ projectId: stack.profile.projectId }, `bench-${randomUUID()}`));
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await db.collection('agents').where('state', '==', 'published').orderBy('installCount', 'desc').limit(20).get();
    bare.push(performance.now() - s);
  }
  const base = median(bare);
  console.log(`  bare indexed query (state == published, by installCount, limit 20): p50 ${fmt(base)}  p95 ${fmt(percentile(bare, 95))}`);
  // The emulator has no real indexes: an array-contains query scans every document, which
  // production Firestore serves from an index. This baseline shows that cost apart from ours.
  const bareContains: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await db.collection('agents').where('state', '==', 'published').where('searchTokens', 'array-contains', 'anom').orderBy('installCount', 'desc').limit(20).get();
    bareContains.push(performance.now() - s);
  }
  console.log(`  bare array-contains query (searchTokens contains "anom", same sort): p50 ${fmt(median(bareContains))}  p95 ${fmt(percentile(bareContains, 95))}`);

  const queries: Record<string, string> = {
    'browse, popular': '',
    'search "cost anom"': 'q=cost%20anom',
    'search "idle vm reap"': 'q=idle%20vm%20reap',
    'search two words "night sentry"': 'q=night%20sentry',
    'category=security, by rating': 'category=security&sort=rating',
    'pricing=free + category=finops': 'pricing=free&category=finops',
    'minRating=4, popular': 'minRating=4',
    'minRating=4, by rating': 'minRating=4&sort=rating',
    'tag=kubernetes, newest': 'tag=kubernetes&sort=newest',
    'search "guard" + pricing + minRating': 'q=guard&pricing=subscription&minRating=3',
  };
  console.log('  query                                     p50        p95   docs read   ratio p50 to bare');
  for (const [name, qs] of Object.entries(queries)) {
    const times: number[] = [];
    let scanned = 0;
    let results = 0;
    let failed = '';
    // Searches are full scans in the emulator (seconds each): fewer rounds keep the bench bounded.
    const n = qs.includes('q=') ? Math.min(rounds, 2) : rounds;
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      const res = await fetch(`${stack.urls.api}/agents?limit=20${qs ? `&${qs}` : ''}`);
      const text = await res.text();
      times.push(performance.now() - s);
      if (!res.ok) {
        failed = `HTTP ${res.status}: ${text.slice(0, 60)}`;
        break;
      }
      scanned = Number(res.headers.get('x-catalog-scanned') ?? 0);
      results = (JSON.parse(text) as { items: unknown[] }).items.length;
    }
    if (failed) {
      console.log(`  ${name.padEnd(40)} ${fmt(times.at(-1) ?? 0).padStart(9)}   did not finish (${failed})`);
      continue;
    }
    const p50 = median(times);
    console.log(
      `  ${name.padEnd(40)} ${fmt(p50).padStart(9)} ${fmt(percentile(times, 95)).padStart(10)} ${String(scanned).padStart(7)} (${results} results)   ${ratio(p50, base)}`,
    );
  }
}
