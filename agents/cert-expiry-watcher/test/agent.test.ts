import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAgentForTest } from '../../../runner/src/testing.ts';

const agentDir = path.resolve(import.meta.dirname, '..');
const asOf = '2026-11-20T00:00:00Z';
interface Change {
  certificate: string;
  id: string;
  from: string | null;
  to: string;
  reason: string;
  approvalId?: string;
}

describe('cert-expiry-watcher on its sandbox account', () => {
  it('reports expiry and hygiene findings and labels every certificate with its status', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf } });
    expect(run.outputs['summary']).toMatchObject({
      certificates: 32,
      statuses: { expired: 5, critical: 4, warning: 7, ok: 16 },
      findings: 22,
      bySeverity: { critical: 5, high: 6, medium: 6, low: 5, info: 0 },
      weakKeys: 2,
      manualRenewals: 6,
      wildcardSprawl: 2,
      labelsChanged: 29,
      labelsUnchanged: 3,
      pendingApproval: 0,
    });
    const labelled = run.outputs['labelled'] as Change[];
    expect(labelled.find((c) => c.certificate === 'shop-acme-corp-io')).toMatchObject({ from: 'warning', to: 'critical' });
    expect(labelled.find((c) => c.certificate === 'auth-acme-corp-io')?.reason).toBe('expiry-status=expired: expired 2 days ago as of 2026-11-20 (warn 30, critical 7)');

    // Labelling is not gated: the sandbox really changed.
    expect(run.store.applied).toHaveLength(29);
    expect(run.store.applied.every((a) => a.action.verb === 'label' && a.action.kind === 'certificate')).toBe(true);
    expect(run.store.proposed).toEqual([]);
    expect(run.outputs['pendingApproval']).toEqual([]);
    const shop = await run.ctx.cloud.get('certificate', 'projects/acme-prod/locations/global/certificates/shop-acme-corp-io');
    expect(shop?.labels).toMatchObject({ 'expiry-status': 'critical', env: 'prod', team: 'platform' });

    expect(run.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toContain('CRITICAL: auth-acme-corp-io (auth.acme-corp.io, login.acme-corp.io): expired-in-use');
    expect(run.logs.map((l) => l.msg)).toContain('Labels: 29 changed, 3 already correct');
    expect(run.progress.at(-1)).toEqual({ percent: 100, message: 'Done' });
  });

  it('is idempotent: a second run on the same sandbox changes nothing, a later one updates what moved', async () => {
    const first = await runAgentForTest(agentDir, { input: { asOf } });
    const second = await runAgentForTest(agentDir, { input: { asOf }, store: first.store });
    expect(second.outputs['labelled']).toEqual([]);
    expect(second.outputs['summary']).toMatchObject({ labelsChanged: 0, labelsUnchanged: 32 });
    expect(second.store.applied).toHaveLength(29);

    const later = await runAgentForTest(agentDir, { input: { asOf: '2026-11-30T00:00:00Z' }, store: first.store });
    const moved = (later.outputs['labelled'] as Change[]).map((c) => `${c.certificate}: ${c.from} -> ${c.to}`).sort();
    expect(moved).toContain('shop-acme-corp-io: critical -> expired');
    expect(moved).toContain('dev-preview: warning -> critical');
    expect(moved).toContain('staging-wildcard: ok -> warning');
    // 40 days left on Nov 20 is exactly 30 on Nov 30: still ok.
    expect(moved.some((m) => m.startsWith('cdn-assets'))).toBe(false);
    expect(moved.every((m) => !m.startsWith('promo-2023'))).toBe(true);
  });

  it('honours its inputs: report only, project filter and thresholds', async () => {
    const dry = await runAgentForTest(agentDir, { input: { asOf, applyLabels: false } });
    expect(dry.store.applied).toEqual([]);
    expect(dry.outputs['labelled']).toEqual([]);
    expect((dry.outputs['findings'] as unknown[]).length).toBe(22);

    const data = await runAgentForTest(agentDir, { input: { asOf, projects: ['acme-data'], warnDays: 10, criticalDays: 3, minRsaBits: 4096 } });
    const summary = data.outputs['summary'] as { certificates: number; statuses: Record<string, number>; weakKeys: number };
    expect(summary.certificates).toBe(5);
    expect(summary.statuses).toEqual({ expired: 0, critical: 0, warning: 3, ok: 2 });
    // RSA 2048 and 3072 are weak against a 4096-bit minimum.
    expect(summary.weakKeys).toBe(3);
    expect(data.store.applied.every((a) => a.action.id.startsWith('projects/acme-data/'))).toBe(true);
  });

  it('uses no language model even when one is configured', async () => {
    let calls = 0;
    const run = await runAgentForTest(agentDir, { input: { asOf }, llm: { model: 'test-model', complete: async () => (calls++, '') } });
    expect(calls).toBe(0);
    expect((run.outputs['summary'] as { findings: number }).findings).toBe(22);
  });

  it('proposes the labels for approval instead of applying them when a manifest gates them', async () => {
    const run = await runAgentForTest(agentDir, { input: { asOf }, gated: ['certificate.label'] });
    const pending = run.outputs['pendingApproval'] as Change[];
    expect(pending).toHaveLength(29);
    expect(pending.map((p) => p.approvalId)).toEqual(pending.map((_, i) => `proposal-${i + 1}`));
    expect(run.outputs['labelled']).toEqual([]);
    expect(run.outputs['failed']).toEqual([]);
    expect(run.outputs['summary']).toMatchObject({ labelsChanged: 0, labelsUnchanged: 3, pendingApproval: 29, failed: 0 });

    // Proposed to the platform, nothing applied: the certificate keeps its old label until a person approves.
    expect(run.store.applied).toEqual([]);
    expect(run.store.proposed.map((a) => `${a.kind}.${a.verb} ${a.id}`)).toEqual(pending.map((p) => `certificate.label ${p.id}`));
    const shop = run.store.proposed.find((a) => a.id === 'projects/acme-prod/locations/global/certificates/shop-acme-corp-io')!;
    expect(shop.params).toEqual({ labels: { 'expiry-status': 'critical' } });
    expect(shop.summary).toMatch(/^Label certificate acme-prod\/shop-acme-corp-io expiry-status=critical \(was warning\): \d+ days left as of 2026-11-20 \(warn 30, critical 7\)$/);
    expect(run.store.proposed.every((a) => a.summary!.length <= 300)).toBe(true);
    const cert = await run.ctx.cloud.get('certificate', 'projects/acme-prod/locations/global/certificates/shop-acme-corp-io');
    expect(cert?.labels['expiry-status']).toBe('warning');

    expect(run.logs.map((l) => l.msg)).toContain('Proposed labelling shop-acme-corp-io expiry-status=critical: waiting for an approval');
    expect(run.logs.map((l) => l.msg)).toContain('Labels: 0 changed, 3 already correct, 29 proposed for approval');
    expect(run.logs.some((l) => l.level === 'error')).toBe(false);
  });
});
