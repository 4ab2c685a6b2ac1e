import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  monthlyCost,
  recommendContainer,
  recommendWorkload,
  roundCpu,
  roundMemory,
  updatedContainers,
  type ContainerSpec,
  type WorkloadRef,
} from '../src/rightsize.ts';

const workloads = (JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as { resources: WorkloadRef[] }).resources;
const byId = (id: string) => workloads.find((w) => w.id === id)!;
const results = workloads.map((w) => recommendWorkload(w));
const result = (id: string) => results.find((r) => r.id === id)!;

describe('rounding', () => {
  it('rounds CPU up to 5m, 25m or 100m steps and memory up to 16Mi, 64Mi or 256Mi steps', () => {
    expect([1, 42, 100, 101, 216, 1000, 1001, 1740].map(roundCpu)).toEqual([5, 45, 100, 125, 225, 1000, 1100, 1800]);
    expect([1, 100, 256, 257, 772, 2048, 2049, 4730].map(roundMemory)).toEqual([16, 112, 256, 320, 832, 2048, 2304, 4864]);
  });
});

describe('recommendations on the shipped GKE fleet', () => {
  it('shrinks the over-provisioned production checkout-api to p95 × 1.2 and p99 × 1.15, priced per vCPU- and GiB-hour', () => {
    const w = result('gke-prod-us-central1/checkout/deployment/checkout-api');
    const api = w.containers.find((c) => c.name === 'checkout-api')!;
    // cpu: 180 × 1.2 = 216 → 225m; memory: max(610 × 1.15, 702 × 1.1) = 772.2 → 832Mi
    expect(api.recommended.requests).toEqual({ cpuMillicores: 225, memoryMiB: 832 });
    const expected = (monthlyCost({ cpuMillicores: 1000, memoryMiB: 2048 }, DEFAULTS) - monthlyCost({ cpuMillicores: 225, memoryMiB: 832 }, DEFAULTS)) * 6;
    expect(api.monthlySavingsUsd).toBeCloseTo(expected, 2);
    expect(w).toMatchObject({ status: 'change', cpuMillicoresFreed: (1000 - 225 + 100 - 45) * 6 });
    expect(w.monthlySavingsUsd).toBeGreaterThan(100);
  });

  it('never puts a memory request below the observed maximum × safety', () => {
    for (const w of results) {
      for (const c of w.containers) {
        if (!c.usage || w.status === 'skipped') continue;
        expect(c.recommended.requests.memoryMiB!).toBeGreaterThanOrEqual(c.usage.memoryMaxMiB * DEFAULTS.memorySafety);
        expect(c.recommended.requests.cpuMillicores!).toBeGreaterThanOrEqual(DEFAULTS.minCpuMillicores);
      }
    }
  });

  it('flags the OOM risk of payments-api and raises its memory limit with the request', () => {
    const w = result('gke-prod-us-central1/payments/deployment/payments-api');
    expect(w.flags.map((f) => `${f.code}:${f.container}`)).toEqual(['oom-risk:payments-api']);
    const c = w.containers[0]!;
    expect(c.recommended).toEqual({ requests: { cpuMillicores: 375, memoryMiB: 704 }, limits: { cpuMillicores: 1000, memoryMiB: 704 } });
    expect(c.changes).toContain('memory limit 512Mi → 704Mi');
    expect(c.monthlySavingsUsd).toBeLessThan(0);
    expect(results.filter((r) => r.flags.some((f) => f.code === 'oom-risk')).map((r) => r.name).sort()).toEqual(['billing-worker', 'payments-api']);
  });

  it('flags missing limits and CPU limits the p95 nearly reaches', () => {
    expect(result('gke-prod-us-central1/orders/deployment/orders-api').flags.map((f) => f.code)).toEqual(['missing-memory-limit', 'missing-cpu-limit']);
    expect(result('gke-data-us-central1/kafka/statefulset/kafka').flags.map((f) => f.code)).toEqual(['missing-memory-limit', 'missing-cpu-limit']);
    const spark = result('gke-data-us-central1/spark/deployment/spark-operator');
    expect(spark.flags.map((f) => f.code)).toEqual(['cpu-throttling-risk']);
    expect(spark.containers[0]!.recommended.limits.cpuMillicores).toBe(125);
  });

  it('keeps requests within the tolerance, so the postgres memory and right-sized workloads do not churn', () => {
    const pg = result('gke-prod-us-central1/orders/statefulset/postgres-orders').containers.find((c) => c.name === 'postgres')!;
    expect(pg.recommended.requests).toEqual({ cpuMillicores: 2300, memoryMiB: 16384 });
    expect(result('gke-data-us-central1/airflow/deployment/airflow-scheduler').status).toBe('right-sized');
    expect(result('gke-data-us-central1/airflow/statefulset/airflow-worker').status).toBe('right-sized');
  });

  it('a request within tolerance but below the memory safety floor is still raised', () => {
    const c: ContainerSpec = { name: 'app', requests: { cpuMillicores: 100, memoryMiB: 500 }, usage: { cpuP95Millicores: 80, memoryP99MiB: 400, memoryMaxMiB: 470 } };
    // floor 517Mi: 500Mi is within 10% of the recommendation, but below the floor.
    expect(recommendContainer(c, 1, DEFAULTS).recommended.requests.memoryMiB).toBe(576);
  });

  it('respects the minimums', () => {
    const c: ContainerSpec = { name: 'tiny', requests: { cpuMillicores: 100, memoryMiB: 128 }, usage: { cpuP95Millicores: 1, memoryP99MiB: 5, memoryMaxMiB: 6 } };
    expect(recommendContainer(c, 1, DEFAULTS).recommended.requests).toEqual({ cpuMillicores: 10, memoryMiB: 32 });
    expect(recommendContainer(c, 1, { ...DEFAULTS, minCpuMillicores: 50, minMemoryMiB: 64 }).recommended.requests).toEqual({ cpuMillicores: 50, memoryMiB: 64 });
  });

  it('skips workloads scaled to zero or without usage history, and says why', () => {
    expect(result('gke-prod-us-central1/checkout/deployment/checkout-canary')).toMatchObject({ status: 'skipped', skipReason: 'scaled to zero', monthlySavingsUsd: 0 });
    expect(result('gke-prod-us-central1/orders/deployment/recommendation-batch')).toMatchObject({ status: 'skipped', skipReason: 'no usage data yet' });
  });

  it('applying the recommendation keeps usage and other fields, adds no limits, and the workload is then right-sized', () => {
    for (const w of workloads) {
      const r = recommendWorkload(w);
      const containers = updatedContainers(w.attributes.containers, r);
      containers.forEach((c, i) => {
        const before = w.attributes.containers[i]!;
        expect(c.usage).toEqual(before.usage);
        if (!before.limits) expect(c.limits).toBeUndefined();
      });
      const again = recommendWorkload({ ...w, attributes: { ...w.attributes, containers } });
      expect(again.status).toBe(r.status === 'skipped' ? 'skipped' : 'right-sized');
      expect(again.flags.some((f) => f.code === 'oom-risk')).toBe(false);
    }
    expect(byId('gke-prod-us-central1/orders/deployment/orders-api').attributes.containers[0]!.limits).toBeUndefined();
  });
});
