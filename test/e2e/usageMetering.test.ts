import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { publishYaml } from '../support/catalog.ts';
import { call, codeOf } from '../support/http.ts';
import { eventually, publishEvent, sleep } from '../support/notify.ts';
import { finished, trigger, waitFor } from '../support/probe.ts';
import { addMember, installAgent, newWorkspace, type TestWorkspace } from '../support/users.ts';
import { checkout } from '../support/billing.ts';
import { tickWatchdog } from '../support/probe.ts';

/**
 * Usage metering end to end (docs/billing.md): a run's billable facts go through the outbox to
 * the `usage-events` topic and into the ledger once; the month's figures, the estimate a trigger
 * answers, spend caps and a past-due workspace all read them. Two paid versions of the probe
 * agent: 25 cents a run, and 7 cents an item.
 */
const PER_RUN = '1.2.0';
const PER_UNIT = '1.3.0';
const probeYaml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/agents/probe/agent.yaml'), 'utf8');
const priced = (version: string, pricing: string) => probeYaml.replace(/^version: .*$/m, `version: ${version}`).replace(/^pricing:\n {2}model: free$/m, `pricing:\n${pricing}`);

beforeAll(async () => {
  await publishYaml(priced(PER_RUN, '  model: per_run\n  amountCents: 25'));
  await publishYaml(priced(PER_UNIT, '  model: per_unit\n  amountCents: 7\n  unit: item'));
});

const billing = async (ws: TestWorkspace, month?: string) => (await call('GET', `/workspaces/${ws.id}/billing${month ? `?month=${month}` : ''}`, { token: ws.owner.idToken })).body;
const ledger = async (ws: TestWorkspace) => (await adminDb.collection(`workspaces/${ws.id}/usage`).get()).docs.map((d) => d.data());
/** Waits until the ledger holds `n` facts of the run (they arrive over Pub/Sub, in any order). */
const recorded = (ws: TestWorkspace, runId: string, n: number) =>
  eventually(`${n} usage facts of ${runId}`, async () => {
    const facts = (await ledger(ws)).filter((f) => f['runId'] === runId);
    return facts.length >= n ? facts : undefined;
  });
const thisMonth = () => new Date().toISOString().slice(0, 7);

describe('usage metering over Pub/Sub', () => {
  it("a per-unit run's facts reach the ledger once: the run, its compute, its units; the month prices them once", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'probe', PER_UNIT);
    const started = await trigger(ws, installId, { mode: 'usage', units: 2.5 });
    expect(started.status).toBe(201);
    // No runs yet: one item assumed.
    expect(started.body.estimate).toEqual({ amountMinor: 7, currency: 'usd', basis: 'per_unit: 1 assumed, no runs yet (unit: item)' });
    const run = await waitFor(ws, started.body.id, finished);
    expect(run.state).toBe('succeeded');

    const facts = await recorded(ws, run.id, 3);
    const byKind = Object.fromEntries(facts.map((f) => [f['kind'], f['quantity']]));
    expect(byKind).toEqual({ run: 1, units: 2500, compute_seconds: expect.any(Number) });
    expect(byKind['compute_seconds']).toBeGreaterThanOrEqual(1);
    expect(facts.map((f) => f['id']).sort()).toEqual([`usage:${run.id}:compute:1`, `usage:${run.id}:run`, `usage:${run.id}:units:1`]);
    const month = await billing(ws);
    expect(month).toMatchObject({ plan: 'free', status: 'active', month: thisMonth(), spent: { amountMinor: 18, currency: 'usd' }, cap: null });
    // 2.5 items at 7 cents: 17.5, rounded once, half up.
    expect(month.installs).toEqual([expect.objectContaining({ installId, agentId: 'probe', runs: 1, milliUnits: 2500, spent: { amountMinor: 18, currency: 'usd' }, cap: null })]);
    expect(month.installs[0].computeSeconds).toBeGreaterThanOrEqual(1);

    // The next trigger estimates from this month's average.
    const next = await trigger(ws, installId, { mode: 'ok' });
    expect(next.body.estimate).toEqual({ amountMinor: 17, currency: 'usd', basis: 'per_unit: an average of 2.5 per run this month (unit: item)' });
  });

  it('a fact published three times, and facts out of order, count once each and the same', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'probe', PER_RUN);
    const runId = randomBytes(8).toString('hex');
    const at = new Date().toISOString();
    const fact = (kind: string, id: string, quantity: number) => ({ id: `usage:${runId}:${id}`, wsId: ws.id, installId, agentId: 'probe', agentVersion: PER_RUN, runId, attempt: 1, kind, quantity, occurredAt: at });
    const facts = [fact('run', 'run', 1), fact('compute_seconds', 'compute:1', 40), fact('units', 'units:1', 1500)];
    // Newest first, each three times, and a message that is not a usage fact (acknowledged, not counted).
    for (const f of [...facts].reverse()) await Promise.all([publishEvent(f, f.id, 'usage-events'), publishEvent(f, f.id, 'usage-events'), publishEvent(f, f.id, 'usage-events')]);
    await publishEvent({ id: 'usage:bogus', wsId: ws.id }, 'usage:bogus', 'usage-events');
    await recorded(ws, runId, 3);
    await sleep(2000); // stragglers, if any were going to count twice
    expect((await ledger(ws)).filter((f) => f['runId'] === runId)).toHaveLength(3);
    const month = await billing(ws);
    expect(month.installs).toEqual([expect.objectContaining({ installId, runs: 1, computeSeconds: 40, milliUnits: 1500, spent: { amountMinor: 25, currency: 'usd' } })]);
  });

  it("spend caps refuse the run that would pass them (402 spend_cap_reached); last month's spend does not count", { timeout: 90_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'probe', PER_RUN);
    const token = ws.owner.idToken;
    // A big spend last month: this month starts fresh.
    const last = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 0, 12)).toISOString();
    const old = { id: 'usage:old:run', wsId: ws.id, installId, agentId: 'probe', agentVersion: PER_RUN, runId: 'old', attempt: 1, kind: 'run', quantity: 40, occurredAt: last };
    await publishEvent(old, old.id, 'usage-events');
    await eventually('last month recorded', async () => ((await billing(ws, last.slice(0, 7))).spent.amountMinor === 1000 ? true : undefined));

    expect((await call('PUT', `/workspaces/${ws.id}/installs/${installId}/spend-cap`, { token, body: { amountMinor: 60 } })).body).toEqual({ cap: { amountMinor: 60, currency: 'usd' } });
    for (let i = 0; i < 2; i++) {
      const ok = await trigger(ws, installId, { mode: 'ok' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body.estimate).toEqual({ amountMinor: 25, currency: 'usd', basis: 'per_run' });
      await recorded(ws, ok.body.id, 1);
    }
    const third = await trigger(ws, installId, { mode: 'ok' });
    expect({ status: third.status, code: codeOf(third) }).toEqual({ status: 402, code: 'spend_cap_reached' });
    expect(third.body.detail).toContain("install's spend this month to $0.75, past its cap of $0.60 ($0.50 spent, about $0.25 for this run)");

    // The workspace's cap applies too; lifting the install's cap leaves the workspace's in force.
    await call('PUT', `/workspaces/${ws.id}/installs/${installId}/spend-cap`, { token, body: { amountMinor: null } });
    expect((await call('PUT', `/workspaces/${ws.id}/billing/spend-cap`, { token, body: { amountMinor: 70 } })).status).toBe(200);
    const again = await trigger(ws, installId, { mode: 'ok' });
    expect({ status: again.status, code: codeOf(again) }).toEqual({ status: 402, code: 'spend_cap_reached' });
    expect(again.body.detail).toContain("workspace's spend");
    expect((await billing(ws)).cap).toEqual({ amountMinor: 70, currency: 'usd' });
    await call('PUT', `/workspaces/${ws.id}/billing/spend-cap`, { token, body: { amountMinor: null } });
    expect((await trigger(ws, installId, { mode: 'ok' })).status).toBe(201);
    // Caps are set by those who manage billing: a viewer may not.
    const viewer = await addMember(ws, 'viewer');
    const denied = await call('PUT', `/workspaces/${ws.id}/billing/spend-cap`, { token: viewer.idToken, body: { amountMinor: 1 } });
    expect(denied.status).toBe(403);
  });

  it('a past-due workspace refuses paid runs (402 payment_past_due) and keeps running free agents', { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const paid = await installAgent(ws, 'probe', PER_RUN);
    const free = await installAgent(ws, 'cost-anomaly-detector');
    await adminDb.doc(`workspaces/${ws.id}`).update({ billing: { status: 'past_due', customerId: null } });
    const refused = await trigger(ws, paid, { mode: 'ok' });
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 402, code: 'payment_past_due' });
    expect(refused.body.detail).toContain('free agents keep running');
    const ok = await trigger(ws, free, {});
    expect(ok.status).toBe(201);
    expect(ok.body.estimate).toEqual({ amountMinor: 0, currency: 'usd', basis: 'free' });
    expect((await billing(ws)).status).toBe('past_due');
  });

  it("billable facts go to the provider's meters once (identifier = event id), with the watchdog's tick; compute and free runs are settled without a report", { timeout: 120_000 }, async () => {
    const ws = await newWorkspace();
    const { customerId } = await checkout(ws, 'team');
    const perRun = await installAgent(ws, 'probe', PER_RUN);
    const perUnit = await installAgent(ws, 'probe', PER_UNIT);
    const a = (await trigger(ws, perRun, { mode: 'ok' })).body.id as string;
    const b = (await trigger(ws, perUnit, { mode: 'usage', units: 4 })).body.id as string;
    for (const id of [a, b]) await waitFor(ws, id, finished);
    await recorded(ws, a, 2);
    await recorded(ws, b, 3);
    const meterEvents = async () =>
      (await adminDb.collection('localStripe/meterEvents/objects').where('object.payload.stripe_customer_id', '==', customerId).get()).docs.map((d) => d.get('object') as { identifier: string; event_name: string; payload: { value: string } });
    await eventually('the ledger reported', async () => {
      await tickWatchdog();
      const facts = (await ledger(ws)).filter((f) => f['runId'] === a || f['runId'] === b);
      return facts.every((f) => f['reportedAt']) ? facts : undefined;
    }, 60_000);
    const sent = (await meterEvents()).map((e) => [e.identifier, e.event_name, e.payload.value]).sort();
    expect(sent).toEqual(
      [
        [`usage:${a}:run`, 'am_runs_probe', '1'],
        [`usage:${b}:units:1`, 'am_units_probe', '4000'],
      ].sort(),
    );
    // Another tick sends nothing again.
    await tickWatchdog();
    expect(await meterEvents()).toHaveLength(2);
  });

  it("a usage fact its producer never flushed is published by the watchdog's outbox sweep to usage-events, and recorded", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const installId = await installAgent(ws, 'probe', PER_RUN);
    const runId = randomBytes(8).toString('hex');
    const fact = { id: `usage:${runId}:run`, wsId: ws.id, installId, agentId: 'probe', agentVersion: PER_RUN, runId, attempt: 1, kind: 'run', quantity: 1, occurredAt: new Date().toISOString() };
    // As a producer leaves it when it dies between its commit and its flush (older than the sweep's wait).
    await adminDb.doc(`workspaces/${ws.id}/outbox/${fact.id}`).create({ event: fact, topic: 'usage-events', createdAt: new Date(Date.now() - 60_000), publishedAt: null });
    await tickWatchdog();
    await recorded(ws, runId, 1);
    expect((await adminDb.doc(`workspaces/${ws.id}/outbox/${fact.id}`).get()).get('publishedAt')).not.toBeNull();
    // It went to usage-events, not to the notifications' run-events: no delivery was attempted for it.
    expect((await billing(ws)).installs).toEqual([expect.objectContaining({ installId, runs: 1, spent: { amountMinor: 25, currency: 'usd' } })]);
  });

  it("the month's billing lists every install, with its cap, also those that have not run this month; an uninstalled one only if it ran", { timeout: 60_000 }, async () => {
    const ws = await newWorkspace();
    const idle = await installAgent(ws, 'probe', PER_RUN);
    const gone = await installAgent(ws, 'probe', PER_UNIT);
    const token = ws.owner.idToken;
    await call('PUT', `/workspaces/${ws.id}/installs/${idle}/spend-cap`, { token, body: { amountMinor: 500 } });
    expect((await call('DELETE', `/workspaces/${ws.id}/installs/${gone}`, { token })).status).toBeLessThan(300);
    const month = await billing(ws);
    expect(month.installs).toEqual([{ installId: idle, agentId: 'probe', runs: 0, computeSeconds: 0, milliUnits: 0, spent: { amountMinor: 0, currency: 'usd' }, cap: { amountMinor: 500, currency: 'usd' } }]);
  });
});
