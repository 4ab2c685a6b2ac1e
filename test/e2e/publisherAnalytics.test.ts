import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Run } from '@agent-marketplace/contract';
import { describe, expect, it } from 'vitest';
import { DURATION_BOUNDS_MS, durationBucketOf } from '../../functions/src/domain/agentStats.ts';
import { adminDb } from '../support/admin.ts';
import { billingApi, checkout } from '../support/billing.ts';
import { uniqueWord } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { call, codeOf } from '../support/http.ts';
import { eventually, publishEvent, sleep } from '../support/notify.ts';
import { tickWatchdog } from '../support/probe.ts';
import { agentYaml, errorOf, makeAdmin, publishThroughPipeline } from '../support/publishing.ts';
import { runAsFunctions, urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp, waitForRun, type TestWorkspace } from '../support/users.ts';

/**
 * Developer analytics end to end (issue 23, docs/publishing.md "Analytics"): an agent published
 * through the pipeline is installed in three workspaces (one paused) and run with known
 * outcomes on two versions; each finished run's fact goes through the outbox to the
 * `agent-stats` topic and is counted once in the agent's daily stats; the publisher's
 * analytics answer the exact counts, per version too, to its members only. A paid version's
 * invoice, paid with the local billing stand-in, is its revenue; a credit note nets it out.
 */
runAsFunctions();
const { LocalBillingProvider } = await import('../../functions/src/adapters/billing/localProvider.ts');
const secret = /^STRIPE_WEBHOOK_SECRET=(.*)$/m.exec(readFileSync(path.resolve(import.meta.dirname, '../../functions/.secret.local'), 'utf8'))![1]!;
const local = new LocalBillingProvider({ webhookUrl: `${urls.functionsBase}/stripeWebhook`, pagesUrl: `${urls.functionsBase}/localBilling`, webhookSecret: () => secret });

/** The paid version's price: a run. */
const RUN_CENTS = 250;
const today = () => new Date().toISOString().slice(0, 10);
const month = () => new Date().toISOString().slice(0, 7);

async function runs(ws: TestWorkspace, installId: string, inputs: Array<Record<string, unknown>>): Promise<Run[]> {
  const api = apiAs(ws.owner.idToken);
  const done: Run[] = [];
  for (const input of inputs) {
    const run = await api.call('triggerRun', { params: { wsId: ws.id, installId }, body: { input } });
    done.push(await waitForRun(ws, run.id, 60_000));
  }
  return done;
}

/** The bucket bound p95 must answer for these runs (with 5 runs or fewer, the longest one's bucket). */
const boundOfLongest = (list: Run[]) => DURATION_BOUNDS_MS[durationBucketOf(Math.max(...list.map((r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt!))))];

describe('publisher analytics', () => {
  it('counts each finished run once, per agent and version, with installs, ratings and zero revenue; members only', { timeout: 300_000 }, async () => {
    const dev = await signUp('dev');
    const admin = await signUp('admin');
    await makeAdmin(admin);
    const viewer = await signUp('viewer');
    const outsider = await signUp('outsider');
    const devApi = apiAs(dev.idToken);
    const publisherId = `pub-${uniqueWord()}`;
    const agentId = `stats-${uniqueWord()}`;
    await devApi.call('createPublisher', { body: { id: publisherId, name: 'Stats Labs' } });
    await devApi.call('addPublisherMember', { params: { publisherId }, body: { email: viewer.email, role: 'viewer' } });
    await publishThroughPipeline(dev, admin, publisherId, agentId, '1.0.0');
    const analytics = (days?: number, as = dev) => apiAs(as.idToken).call('getPublisherAnalytics', { params: { publisherId }, query: days === undefined ? {} : { days } });

    // Published, not yet installed or run: every figure zero, every day listed.
    const before = await analytics(7);
    expect(before).toMatchObject({ publisherId, to: today() });
    expect(before.agents).toHaveLength(1);
    expect(before.agents[0]).toMatchObject({
      agentId,
      name: `Hello ${agentId}`,
      installs: { total: 0, active: 0 },
      runs: { total: 0, succeeded: 0, failed: 0, timedOut: 0, canceled: 0, successRate: null, p95DurationMs: null },
      versions: [{ version: '1.0.0', activeInstalls: 0, runs: expect.objectContaining({ total: 0 }) }],
      rating: { avg: 0, count: 0 },
      ratingsByMonth: [],
    });
    expect(before.agents[0]!.daily).toHaveLength(7);
    expect(before.agents[0]!.daily.every((d) => d.runs === 0 && d.p95DurationMs === null)).toBe(true);

    // Three workspaces install 1.0.0; the third pauses (counted as an install, not as active).
    const [a, b, c] = await Promise.all([newWorkspace(), newWorkspace(), newWorkspace()]);
    const [instA, instB, instC] = await Promise.all([installAgent(a, agentId), installAgent(b, agentId), installAgent(c, agentId)]);
    await apiAs(c.owner.idToken).call('pauseInstall', { params: { wsId: c.id, installId: instC } });
    // A: two successes and a failure on 1.0.0.
    const onA = await runs(a, instA, [{ name: 'a' }, { fail: true }, {}]);
    expect(onA.map((r) => r.state)).toEqual(['succeeded', 'failed', 'succeeded']);
    // 1.1.0 is published; B moves to it and runs a success and a failure.
    await publishThroughPipeline(dev, admin, publisherId, agentId, '1.1.0');
    await apiAs(b.owner.idToken).call('upgradeInstall', { params: { wsId: b.id, installId: instB }, body: { version: '1.1.0' } });
    const onB = await runs(b, instB, [{ fail: true }, { name: 'b' }]);
    expect(onB.map((r) => [r.state, r.agentVersion])).toEqual([['failed', '1.1.0'], ['succeeded', '1.1.0']]);
    // Two reviews.
    await call('PUT', `/agents/${agentId}/reviews/mine`, { token: a.owner.idToken, body: { rating: 4 } });
    await call('PUT', `/agents/${agentId}/reviews/mine`, { token: b.owner.idToken, body: { rating: 5 } });

    // Each run's fact went to the outbox in its finishing transition, and was flushed to agent-stats.
    const entry = await adminDb.doc(`workspaces/${a.id}/outbox/stats:${onA[1]!.id}:end`).get();
    expect(entry.get('topic')).toBe('agent-stats');
    expect(entry.get('publishedAt')).not.toBeNull();
    const fact = entry.get('event') as Record<string, unknown>;
    expect(fact).toMatchObject({ id: `stats:${onA[1]!.id}:end`, wsId: a.id, runId: onA[1]!.id, agentId, agentVersion: '1.0.0', state: 'failed', started: true });

    const counted = await eventually('the five runs counted', async () => {
      const got = await analytics();
      return got.agents[0]!.runs.total === 5 ? got : undefined;
    }, 60_000);
    const agent = counted.agents[0]!;
    expect(agent.installs).toEqual({ total: 3, active: 2 });
    expect(agent.runs).toEqual({ total: 5, succeeded: 3, failed: 2, timedOut: 0, canceled: 0, successRate: 0.6, p95DurationMs: boundOfLongest([...onA, ...onB]) });
    expect(agent.versions).toEqual([
      { version: '1.1.0', activeInstalls: 1, runs: { total: 2, succeeded: 1, failed: 1, timedOut: 0, canceled: 0, successRate: 0.5, p95DurationMs: boundOfLongest(onB) } },
      { version: '1.0.0', activeInstalls: 1, runs: { total: 3, succeeded: 2, failed: 1, timedOut: 0, canceled: 0, successRate: 2 / 3, p95DurationMs: boundOfLongest(onA) } },
    ]);
    expect(counted.agents[0]!.daily).toHaveLength(30);
    expect(agent.daily.at(-1)).toEqual({ day: today(), runs: 5, succeeded: 3, failed: 2, p95DurationMs: agent.runs.p95DurationMs });
    expect(agent.daily.slice(0, -1).every((d) => d.runs === 0)).toBe(true);
    expect(agent.rating).toEqual({ avg: 4.5, count: 2 });
    expect(agent.ratingsByMonth).toEqual([{ month: month(), avg: 4.5, count: 2 }]);
    // A free agent: nothing earned, in every month of the period.
    expect(agent.revenue).toEqual({ gross: { amountMinor: 0, currency: 'usd' }, publisherShare: { amountMinor: 0, currency: 'usd' } });
    expect(agent.revenueByMonth.at(-1)).toEqual({ month: month(), gross: { amountMinor: 0, currency: 'usd' }, publisherShare: { amountMinor: 0, currency: 'usd' } });
    expect(counted.from).toBe(agent.daily[0]!.day);

    // Counted in one of the day's shards, with the version's dots kept out of the map key.
    const shards = await adminDb.collection(`agentStats/${agentId}/days`).get();
    expect(shards.docs.every((d) => /^\d{4}-\d{2}-\d{2}_[0-7]$/.test(d.id))).toBe(true);
    expect(shards.docs.flatMap((d) => Object.keys(d.get('versions') as object)).sort()).toEqual(expect.arrayContaining(['1_2e0_2e0', '1_2e1_2e0']));

    // The same fact delivered again, three times at once, and a message that is no fact: nothing more is counted.
    await Promise.all([publishEvent(fact, String(fact['id']), 'agent-stats'), publishEvent(fact, String(fact['id']), 'agent-stats'), publishEvent(fact, String(fact['id']), 'agent-stats')]);
    await publishEvent({ id: 'stats:bogus:end', agentId }, 'stats:bogus:end', 'agent-stats');
    await sleep(3000);
    const again = (await analytics()).agents[0]!;
    expect(again.runs).toEqual(agent.runs);
    expect(again.versions).toEqual(agent.versions);
    expect((await adminDb.collection(`agentStats/${agentId}/facts`).get()).size).toBe(5);

    // A viewer reads them; to anyone else the publisher does not exist; days are 1 to 90.
    expect((await analytics(1, viewer)).agents[0]!.daily).toEqual([{ day: today(), runs: 5, succeeded: 3, failed: 2, p95DurationMs: agent.runs.p95DurationMs }]);
    expect(await errorOf(analytics(30, outsider))).toEqual({ status: 404, code: 'publisher_not_found' });
    await apiAs(outsider.idToken).call('createPublisher', { body: { id: `${publisherId}-x`, name: 'Other' } });
    expect(await apiAs(outsider.idToken).call('getPublisherAnalytics', { params: { publisherId: `${publisherId}-x` } })).toMatchObject({ agents: [] });
    for (const days of ['0', '91', 'x']) {
      const bad = await call('GET', `/publishers/${publisherId}/analytics?days=${days}`, { token: dev.idToken });
      expect({ days, status: bad.status }).toEqual({ days, status: 400 });
    }
    const anonymous = await call('GET', `/publishers/${publisherId}/analytics`);
    expect({ status: anonymous.status, code: codeOf(anonymous) }).toMatchObject({ status: 401 });
  });

  it("revenue: a paid run's invoice, once paid, is the agent's gross and publisher share in its month; a credit note nets it to zero", { timeout: 300_000 }, async () => {
    const dev = await signUp('dev');
    const admin = await signUp('admin');
    await makeAdmin(admin);
    const publisherId = `pub-${uniqueWord()}`;
    const agentId = `paid-${uniqueWord()}`;
    await apiAs(dev.idToken).call('createPublisher', { body: { id: publisherId, name: 'Paid Labs' } });
    const paid = agentYaml(agentId, publisherId, '1.0.0').replace(/^pricing:\n {2}model: free$/m, `pricing:\n  model: per_run\n  amountCents: ${RUN_CENTS}`);
    expect(paid).toContain(`amountCents: ${RUN_CENTS}`);
    await publishThroughPipeline(dev, admin, publisherId, agentId, '1.0.0', paid);

    // A workspace on the team plan runs it twice; the usage is recorded and reported; the period closes, paid.
    const ws = await newWorkspace();
    const { subscriptionId } = await checkout(ws, 'team');
    const installId = await installAgent(ws, agentId);
    expect((await runs(ws, installId, [{}, {}])).map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    const facts = async () => (await adminDb.collection(`workspaces/${ws.id}/usage`).where('kind', '==', 'run').get()).docs.map((d) => d.data());
    await eventually('the runs in the ledger', async () => ((await facts()).length === 2 ? true : undefined), 90_000);
    await eventually('usage reported to the meter', async () => {
      await tickWatchdog();
      return (await facts()).every((f) => f['reportedAt']) ? true : undefined;
    }, 60_000);
    await sleep(1100); // the meter events' second is inside the period
    const { invoiceId } = await local.closePeriod(subscriptionId, { outcome: 'pay' });
    await eventually('the invoice paid', async () => {
      const r = await billingApi(ws, 'GET', `/billing/invoices/${invoiceId}`);
      return r.status === 200 && r.body.status === 'paid' ? true : undefined;
    });

    const revenueOf = async () => (await apiAs(dev.idToken).call('getPublisherAnalytics', { params: { publisherId } })).agents[0]!;
    const sold = await eventually('the sale counted', async () => {
      const agent = await revenueOf();
      return agent.revenue.gross.amountMinor !== 0 ? agent : undefined;
    }, 60_000);
    // The platform's default share: 80 % to the publisher.
    const usd = (amountMinor: number) => ({ amountMinor, currency: 'usd' });
    expect(sold.revenue).toEqual({ gross: usd(2 * RUN_CENTS), publisherShare: usd((2 * RUN_CENTS * 8) / 10) });
    expect(sold.revenueByMonth.at(-1)).toEqual({ month: month(), gross: usd(2 * RUN_CENTS), publisherShare: usd((2 * RUN_CENTS * 8) / 10) });
    expect(sold.runs).toMatchObject({ total: 2, succeeded: 2, successRate: 1 });

    // The invoice credited in full: its reversal nets the month to zero.
    await local.createCreditNote(invoiceId, { reason: 'order_change', idempotencyKey: `refund:${invoiceId}` });
    const netted = await eventually('the reversal counted', async () => {
      const agent = await revenueOf();
      return agent.revenue.gross.amountMinor === 0 ? agent : undefined;
    }, 60_000);
    expect(netted.revenue).toEqual({ gross: usd(0), publisherShare: usd(0) });
    expect(netted.revenueByMonth.at(-1)).toEqual({ month: month(), gross: usd(0), publisherShare: usd(0) });
    const entries = await adminDb.collection('revenueEntries').where('publisherId', '==', publisherId).get();
    expect(entries.docs.map((d) => d.get('kind')).sort()).toEqual(['reversal', 'sale']);
  });
});
