import { beforeAll, describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { publishSynthetic, uniqueWord, yamlFor } from '../support/catalog.ts';
import { identityCall, installAgent, newWorkspace, signIn, signUp } from '../support/users.ts';

const word = uniqueWord();
const publisher = `p${word}`;
const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((a) => a.id);

beforeAll(async () => {
  const day = (n: number) => new Date(Date.UTC(2026, 9, n));
  await publishSynthetic(publisher, [
    { id: `${word}-alpha`, name: `Alpha ${word} Quasar Watcher`, categories: ['security'], tags: ['quasar', 'gcp'], pricing: 'free', installCount: 50, ratingAvg: 4.6, publishedAt: day(1) },
    { id: `${word}-bravo`, name: `Bravo ${word} Quasar Sweeper`, categories: ['finops', 'operations'], tags: ['cost'], pricing: 'per_run', installCount: 500, ratingAvg: 3.9, publishedAt: day(5) },
    { id: `${word}-charlie`, name: `Charlie ${word} Nebula`, categories: ['finops'], tags: ['cost', 'gcp'], pricing: 'subscription', installCount: 5, ratingAvg: 4.9, publishedAt: day(9) },
    { id: `${word}-delta`, name: `Delta ${word} Nebula Guard`, categories: ['kubernetes'], tags: ['k8s'], pricing: 'per_unit', installCount: 120, ratingAvg: 2.5, publishedAt: day(3) },
    { id: `${word}-echo`, name: `Echo ${word} Pulsar`, categories: ['observability'], pricing: 'free', installCount: 80, ratingAvg: 0, publishedAt: day(7) },
    { id: `${word}-draft`, name: `Draft ${word} Quasar`, state: 'draft', installCount: 9999 },
    { id: `${word}-gone`, name: `Gone ${word} Quasar`, state: 'suspended', installCount: 9999 },
  ]);
  // The API instance answers from its in-memory index once loaded (docs/catalog.md): wait until it
  // serves this search, then every assertion below runs on the index. Reading exactly the one
  // result (the Firestore plan reads every listing with the longest term) says which path answered.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call('GET', `/agents?q=${word}%20quasar%20sweep`);
    if (r.headers.get('x-catalog-scanned') === '1' && ids(r).join() === `${word}-bravo`) break;
    if (Date.now() > deadline) throw new Error(`the catalog index never served the search (read ${r.headers.get('x-catalog-scanned')})`);
    await new Promise((res) => setTimeout(res, 200));
  }
});

describe('catalog search, filters and sorts', () => {
  it('finds the seeded cost anomaly detector by word prefixes ("cost anom")', async () => {
    const r = await call('GET', '/agents?q=cost%20anom');
    expect(r.status).toBe(200);
    expect(ids(r)).toContain('cost-anomaly-detector');
    expect(ids(await call('GET', '/agents?q=ANOMALY%20Détector'))).toContain('cost-anomaly-detector');
  });

  it('matches every term, by prefix, across name, summary, tags and publisher', async () => {
    expect(ids(await call('GET', `/agents?q=${word}%20quas`)).sort()).toEqual([`${word}-alpha`, `${word}-bravo`]);
    expect(ids(await call('GET', `/agents?q=${word}%20quasar%20sweep`))).toEqual([`${word}-bravo`]);
    expect(ids(await call('GET', `/agents?q=${word}%20nothingmatches`))).toEqual([]);
    expect(ids(await call('GET', `/agents?q=${publisher}`)).length).toBe(5);
  });

  it('never shows drafts or suspended agents, in search or by id', async () => {
    const all = ids(await call('GET', `/agents?publisher=${publisher}&limit=50`));
    expect(all).toHaveLength(5);
    expect(all).not.toContain(`${word}-draft`);
    expect(all).not.toContain(`${word}-gone`);
    expect((await call('GET', `/agents/${word}-draft`)).status).toBe(404);
    expect((await call('GET', `/agents/${word}-gone/versions`)).status).toBe(404);
  });

  it('filters by category, pricing model, tag and minimum rating', async () => {
    const q = `publisher=${publisher}&limit=50`;
    expect(ids(await call('GET', `/agents?${q}&category=finops`)).sort()).toEqual([`${word}-bravo`, `${word}-charlie`]);
    expect(ids(await call('GET', `/agents?${q}&pricing=free`)).sort()).toEqual([`${word}-alpha`, `${word}-echo`]);
    expect(ids(await call('GET', `/agents?${q}&tag=gcp`)).sort()).toEqual([`${word}-alpha`, `${word}-charlie`]);
    expect(ids(await call('GET', `/agents?${q}&minRating=4`)).sort()).toEqual([`${word}-alpha`, `${word}-charlie`]);
    expect(ids(await call('GET', `/agents?${q}&category=finops&pricing=subscription`))).toEqual([`${word}-charlie`]);
    expect(ids(await call('GET', `/agents?q=${word}&category=finops&tag=cost&minRating=4`))).toEqual([`${word}-charlie`]);
  });

  it('sorts by popularity, rating, newest and name', async () => {
    const q = `publisher=${publisher}&limit=50`;
    expect(ids(await call('GET', `/agents?${q}&sort=popular`))).toEqual(['bravo', 'delta', 'echo', 'alpha', 'charlie'].map((s) => `${word}-${s}`));
    expect(ids(await call('GET', `/agents?${q}&sort=rating`))).toEqual(['charlie', 'alpha', 'bravo', 'delta', 'echo'].map((s) => `${word}-${s}`));
    expect(ids(await call('GET', `/agents?${q}&sort=newest`))).toEqual(['charlie', 'echo', 'bravo', 'delta', 'alpha'].map((s) => `${word}-${s}`));
    expect(ids(await call('GET', `/agents?${q}&sort=name`))).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((s) => `${word}-${s}`));
    expect(ids(await call('GET', `/agents?${q}&sort=rating&minRating=3`))).toEqual(['charlie', 'alpha', 'bravo'].map((s) => `${word}-${s}`));
  });

  it('paginates every result exactly once, with filters kept', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await call('GET', `/agents?publisher=${publisher}&sort=popular&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...ids(r));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['bravo', 'delta', 'echo', 'alpha', 'charlie'].map((s) => `${word}-${s}`));
    expect(pages).toBe(3);
  });

  it('refuses bad searches with a clear 400', async () => {
    for (const qs of [
      'q=' + encodeURIComponent('cost\u0000anom'),
      'q=' + encodeURIComponent('bell\u0007'),
      'q=' + 'x'.repeat(1024),
      'minRating=6',
      'minRating=0',
      'sort=cheapest',
      'category=crypto',
      'limit=500',
      'color=red',
      'cursor=%%%',
    ]) {
      const r = await call('GET', `/agents?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.contentType).toContain('application/problem+json');
    }
    // 10 KB of query string is refused before it reaches the API (431 from the HTTP front end), never a 500.
    const huge = await call('GET', `/agents?q=${'x'.repeat(10 * 1024)}`);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
  });
});

describe('agent detail, manifest viewer and versions', () => {
  it('returns the manifest, the viewer data (permissions by risk, secrets, gated actions) and the raw YAML', async () => {
    const r = await call('GET', `/agents/${word}-alpha`);
    expect(r.status).toBe(200);
    expect(r.body.view.permissionsByRisk.high).toEqual([{ scope: 'vm.stop', risk: 'high', reason: 'Stop idle VMs.' }]);
    expect(r.body.view.permissionsByRisk.low.map((p: { scope: string }) => p.scope)).toEqual(['vm.list']);
    expect(r.body.view.approvals).toEqual([{ action: 'vm.stop', description: 'Stop a VM', risk: 'high', levels: 1 }]);
    expect(r.body.view.secrets).toEqual([{ name: 'SLACK_WEBHOOK_URL', description: 'Where to post findings', required: false }]);
    expect(r.body.yaml).toBe(yamlFor({ id: `${word}-alpha`, name: `Alpha ${word} Quasar Watcher`, categories: ['security'], tags: ['quasar', 'gcp'], pricing: 'free' }, publisher));
    expect(r.body.searchTokens).toBeUndefined();
  });

  it('lists versions with release notes and serves each one', async () => {
    const v = await call('GET', `/agents/${word}-alpha/versions`);
    expect(v.body.items).toEqual([{ version: '1.0.0', releaseNotes: 'First release.', publishedAt: expect.any(String), deprecated: null, yanked: null }]);
    const one = await call('GET', `/agents/${word}-alpha/versions/1.0.0`);
    expect(one.body.manifest.id).toBe(`${word}-alpha`);
    expect(codeOf(await call('GET', `/agents/${word}-alpha/versions/9.9.9`))).toBe('agent_version_not_found');
  });

  it('serves the manifest JSON Schema, identical to the committed agents/agent.schema.json', async () => {
    const { readFileSync } = await import('node:fs');
    const r = await call('GET', '/schemas/agent-manifest.json');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(readFileSync('agents/agent.schema.json', 'utf8')));
  });
});

describe('manifest validation', () => {
  const valid = yamlFor({ id: 'valid-agent', name: 'Valid Agent' }, 'acme');
  const validate = async (yaml: string) => call('POST', '/manifests/validate', { token: (await signUp()).idToken, body: { yaml } });

  it('accepts a valid manifest', async () => {
    const r = await validate(valid);
    expect(r.status).toBe(200);
    expect(r.body.manifest.resources).toEqual({ cpu: 1, memoryMiB: 512, timeoutSeconds: 900 });
  });

  it('lists every problem at its YAML path and line', async () => {
    const broken = valid
      .replace('version: 1.0.0', 'version: 1.0')
      .replace('  local:\n', '  image: us-docker.pkg.dev/acme/agents/valid:latest\n  local:\n')
      .replace('license: MIT\n', `license: MIT\ndescription: "${'x'.repeat(20_001)}"\n`)
      .replace('approvals:\n  - action: vm.stop', 'approvals:\n  - action: vm.delete');
    const r = await validate(broken);
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('manifest_invalid');
    const byPath = Object.fromEntries(r.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(Object.keys(byPath).sort()).toEqual(['description', 'runtime.image', 'version']);
    expect(byPath['version']).toMatch(/\(line 3\)$/);
    expect(byPath['runtime.image']).toMatch(/sha256/);
  });

  it('checks rules across fields once each field is valid: gated actions must be permissions, prices match models', async () => {
    const r = await validate(valid.replace('approvals:\n  - action: vm.stop', 'approvals:\n  - action: vm.delete').replace('model: free', 'model: subscription'));
    expect(codeOf(r)).toBe('manifest_invalid');
    expect(r.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['approvals.0.action', 'pricing.amountCents']);
    expect(r.body.errors.find((e: { path: string }) => e.path === 'approvals.0.action').message).toMatch(/line \d+/);
  });

  it('refuses malformed YAML, duplicate keys and unknown fields', async () => {
    const bad = await validate('id: [unclosed\nname: x');
    expect(codeOf(bad)).toBe('manifest_yaml_invalid');
    expect(bad.body.errors[0].path).toMatch(/^line \d+$/);
    expect(codeOf(await validate(`${valid}id: again\n`))).toBe('manifest_yaml_invalid');
    const extra = await validate(`${valid}surprise: true\n`);
    expect(extra.body.errors[0]).toMatchObject({ path: '(root)', code: 'unrecognized_keys' });
  });

  it('needs a signed-in user and a bounded body', async () => {
    expect((await call('POST', '/manifests/validate', { body: { yaml: valid } })).status).toBe(401);
    const user = await signUp();
    expect((await call('POST', '/manifests/validate', { token: user.idToken, body: { yaml: 'x'.repeat(70_000) } })).status).toBe(400);
  });
});

describe('reviews', () => {
  it('need an install in one of the reviewer’s workspaces; one per user, editable; 1 to 5 stars', async () => {
    const agentId = `${word}-echo`;
    const ws = await newWorkspace();
    const denied = await call('PUT', `/agents/${agentId}/reviews/mine`, { token: ws.owner.idToken, body: { rating: 5, text: 'great' } });
    expect(denied.status).toBe(403);
    expect(codeOf(denied)).toBe('review_requires_install');

    await installAgent(ws, agentId);
    for (const rating of [0, 6, 4.5, '5']) {
      const r = await call('PUT', `/agents/${agentId}/reviews/mine`, { token: ws.owner.idToken, body: { rating, text: 'x' } });
      expect(r.status, String(rating)).toBe(400);
    }
    const first = await call('PUT', `/agents/${agentId}/reviews/mine`, { token: ws.owner.idToken, body: { rating: 4, text: 'Solid.' } });
    expect(first.status).toBe(200);
    expect(first.body.agentRating).toEqual({ avg: 4, count: 1 });
    const edited = await call('PUT', `/agents/${agentId}/reviews/mine`, { token: ws.owner.idToken, body: { rating: 2, text: 'Changed my mind.' } });
    expect(edited.body.agentRating).toEqual({ avg: 2, count: 1 });
    expect(edited.body.createdAt).toBe(first.body.createdAt);

    const list = await call('GET', `/agents/${agentId}/reviews`);
    expect(list.body.items).toEqual([expect.objectContaining({ rating: 2, text: 'Changed my mind.', uid: ws.owner.uid })]);
    expect((await call('GET', `/agents/${agentId}`)).body).toMatchObject({ ratingAvg: 2, ratingCount: 1 });
  });

  it('never show the part of the reviewer’s email before the @: the display name, else a neutral label', async () => {
    const agentId = `${word}-alpha`;
    const reviewer = await signUp('jane.private-name');
    const ws = await newWorkspace(reviewer);
    await installAgent(ws, agentId);
    const localPart = reviewer.email.split('@')[0]!;
    const authorOf = async () => {
      const list = await call('GET', `/agents/${agentId}/reviews?limit=50`);
      return (list.body.items as { uid: string; authorName: string }[]).find((r) => r.uid === reviewer.uid)?.authorName;
    };

    expect((await call('PUT', `/agents/${agentId}/reviews/mine`, { token: reviewer.idToken, body: { rating: 5, text: 'Good.' } })).status).toBe(200);
    const anonymous = await authorOf();
    expect(anonymous).toBeDefined();
    expect(anonymous).not.toContain('jane');
    expect(anonymous).not.toContain(localPart);
    expect(anonymous).toBe('Verified user');

    // A display name (a provider's profile, or set by the user) is what a review shows.
    await identityCall('accounts:update', { idToken: reviewer.idToken, displayName: 'Jane D.' });
    const named = await signIn(reviewer);
    expect((await call('PUT', `/agents/${agentId}/reviews/mine`, { token: named.idToken, body: { rating: 4, text: 'Good.' } })).status).toBe(200);
    expect(await authorOf()).toBe('Jane D.');

    // A display name that is an email address is no better than the email.
    await identityCall('accounts:update', { idToken: named.idToken, displayName: reviewer.email });
    const emailNamed = await signIn(reviewer);
    expect((await call('PUT', `/agents/${agentId}/reviews/mine`, { token: emailNamed.idToken, body: { rating: 4, text: 'Good.' } })).status).toBe(200);
    expect(await authorOf()).toBe('Verified user');
  });

  it('keep the aggregate exact under 20 concurrent reviewers', { timeout: 120_000 }, async () => {
    const agentId = `${word}-delta`;
    const reviewers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = await newWorkspace();
        await installAgent(ws, agentId);
        return ws.owner;
      }),
    );
    const before = (await call('GET', `/agents/${agentId}`)).body as { ratingSum?: number; ratingCount: number; ratingAvg: number };
    const t0 = Date.now();
    // A well-behaved client retries a 503 after its Retry-After; the API promises nothing is half-written.
    const put = async (token: string, i: number) => {
      for (let attempt = 0; ; attempt++) {
        const r = await call('PUT', `/agents/${agentId}/reviews/mine`, { token, body: { rating: (i % 5) + 1, text: `r${i}` } });
        if (r.status !== 503 || attempt === 3) return r;
        expect(codeOf(r)).toBe('contention');
        await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after') ?? 1) * 1000));
      }
    };
    const results = await Promise.all(reviewers.map((u, i) => put(u.idToken, i)));
    for (const r of results) if (r.status !== 200) console.log(r.status, JSON.stringify(r.body));
    console.log(`20 concurrent reviews took ${Date.now() - t0} ms`);
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const after = (await call('GET', `/agents/${agentId}`)).body;
    expect(after.ratingCount - before.ratingCount).toBe(20);
    // The synthetic agent started at 10 ratings averaging 2.5 (sum 25); 20 more add 60.
    expect(after.ratingAvg).toBe(Math.round(((25 + 60) / 30) * 100) / 100);
  });
});

describe('run input and install config are validated against the manifest schemas', () => {
  it('a run input that breaks the inputs schema is a 400 at its path, and nothing is queued', async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws);
    const bad = await call('POST', `/workspaces/${ws.id}/installs/${installId}/runs`, { token: ws.owner.idToken, body: { input: { threshold: 'high', extra: 1 } } });
    expect(bad.status).toBe(400);
    expect(codeOf(bad)).toBe('input_invalid');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.input.extra', 'body.input.threshold']);
    expect((await call('GET', `/workspaces/${ws.id}/runs`, { token: ws.owner.idToken })).body.items).toEqual([]);
  });

  it('an install config that breaks the config schema is a 400', async () => {
    const ws = await newWorkspace();
    const draft = await call('POST', `/workspaces/${ws.id}/installs`, { token: ws.owner.idToken, body: { agentId: 'cost-anomaly-detector' } });
    const r = await call('PUT', `/workspaces/${ws.id}/installs/${draft.body.id}/config`, { token: ws.owner.idToken, body: { config: { nope: true } } });
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('config_invalid');
  });
});

describe('publishing rules (through the catalog adapter the seed uses)', () => {
  it('an agent id belongs to its publisher, and a published version is immutable', async () => {
    const id = `${uniqueWord()}-owned`;
    await publishSynthetic('first-publisher', [{ id, name: 'Owned Agent' }]);
    await expect(publishSynthetic('second-publisher', [{ id, name: 'Owned Agent' }])).rejects.toMatchObject({ code: 'agent_id_taken' });
    // Same contents again: fine (idempotent seeding); changed contents under the same version: refused.
    await expect(publishSynthetic('first-publisher', [{ id, name: 'Owned Agent' }])).resolves.toBeUndefined();
    await expect(publishSynthetic('first-publisher', [{ id, name: 'Owned Agent Renamed' }])).rejects.toMatchObject({ code: 'version_exists' });
    expect((await call('GET', `/agents/${id}`)).body.name).toBe('Owned Agent');
  });
});
