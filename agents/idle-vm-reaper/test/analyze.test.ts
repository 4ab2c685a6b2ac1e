import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@agent-marketplace/runner';
import { DEFAULTS, analyzeVms, formatRate, monthlyCost, stopReason, vmFacts } from '../src/analyze.ts';

const vms = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: Resource[] }).resources;
const asOf = new Date('2026-11-20T00:00:00Z');
const options = { ...DEFAULTS, asOf };

const vm = (over: Partial<Resource> & { attributes?: Record<string, unknown> }): Resource => ({
  kind: 'vm',
  id: 'vm-1',
  name: 'test-vm',
  project: 'acme-dev',
  region: 'us-central1',
  state: 'running',
  labels: {},
  ...over,
  attributes: {
    machineType: 'e2-standard-4',
    hourlyCostUsd: 0.134,
    cpuP95Percent: 1,
    networkBytesP95: 1000,
    metricsLookbackDays: 14,
    lastLoginAt: '2026-10-01T00:00:00Z',
    ...over.attributes,
  },
});

describe('idle VM analysis', () => {
  const analysis = analyzeVms(vms, options);

  it('uses p95 so a nightly batch worker with a quiet average is not idle', () => {
    const etl = analysis.active.find((v) => v.name === 'etl-worker-nightly-01');
    expect(etl?.signals).toEqual(['cpu', 'network']);
  });

  it('treats a recent login or busy network as use, even with a quiet CPU', () => {
    expect(analysis.active.find((v) => v.name === 'sandbox-bob')?.signals).toEqual(['login']);
    expect(analysis.active.find((v) => v.name === 'vpn-relay-dev')?.signals).toEqual(['network']);
    expect(analysis.active.find((v) => v.name === 'bastion-prod')?.signals).toEqual(['login']);
  });

  it('counts stopped and terminated VMs apart', () => {
    expect(analysis.notRunning).toBe(2);
    expect(analysis.idle.length + analysis.skipped.length + analysis.active.length + analysis.notRunning).toBe(vms.length);
  });

  it('thresholds are strict: exactly at the threshold is in use', () => {
    expect(analyzeVms([vm({ attributes: { cpuP95Percent: 5 } })], options).active[0]?.signals).toEqual(['cpu']);
    expect(analyzeVms([vm({ attributes: { cpuP95Percent: 4.99 } })], options).idle).toHaveLength(1);
    expect(analyzeVms([vm({ attributes: { lastLoginAt: '2026-11-06T00:00:00Z' } })], options).idle).toHaveLength(1);
    expect(analyzeVms([vm({ attributes: { lastLoginAt: '2026-11-06T00:00:01Z' } })], options).active).toHaveLength(1);
  });

  it('a never-used VM counts as idle, a VM without metrics is skipped, not guessed', () => {
    expect(analyzeVms([vm({ attributes: { lastLoginAt: null } })], options).idle[0]?.evidence).toContain('no interactive login on record');
    const noMetrics = analyzeVms([vm({ attributes: { cpuP95Percent: undefined } })], options);
    expect(noMetrics.skipped[0]).toMatchObject({ reason: 'insufficient-metrics', monthlySavingsUsd: 0 });
  });

  it('protection order: keep-alive label, then excluded project, then managed group', () => {
    const both = vm({ labels: { 'keep-alive': 'true' }, attributes: { managedBy: 'instanceGroupManagers/x' } });
    expect(analyzeVms([both], { ...options, excludeProjects: ['acme-dev'] }).skipped[0]?.reason).toBe('keep-alive-label');
    expect(analyzeVms([vm({ labels: { 'keep-alive': 'false' } })], options).idle).toHaveLength(1);
  });

  it('estimates monthly savings on 730 hours and explains itself', () => {
    expect(monthlyCost(3.673)).toBe(2681.29);
    const a100 = analysis.idle[0]!;
    expect(a100.name).toBe('gpu-train-a100-02');
    expect(stopReason(a100)).toBe(
      'Idle VM: CPU p95 0.4% < 5% over 14 days; network p95 800 B/s < 50 KB/s; last login 23 days ago. ' +
        'Stopping saves about $2681.29/month of compute (disks are still billed).',
    );
    expect(formatRate(2_500_000)).toBe('2.5 MB/s');
    expect(vmFacts(vm({}), asOf).daysSinceLogin).toBe(50);
  });
});
