import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Resource } from '@agent-marketplace/runner';
import { DEFAULTS, budgetSpec, forecastBudget, monthWindow, planStops, unbudgetedSpend, type BudgetSpec, type CostRow } from '../src/forecast.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/cloud.json', import.meta.url), 'utf8')) as {
  resources: Resource[];
  datasets: { billing: CostRow[] };
};
const rows = fixture.datasets.billing;
const asOf = new Date('2026-11-18T00:00:00Z');
const options = { ...DEFAULTS, asOf };
const w = monthWindow(asOf);

const spec = (over: Partial<BudgetSpec> = {}): BudgetSpec => ({
  id: 'b1',
  name: 'test',
  project: 'p',
  amountUsd: 3000,
  currency: 'USD',
  period: 'month',
  thresholds: [0.5, 0.9, 1],
  currentState: null,
  ...over,
});
const day = (date: string, cost: number, project = 'p'): CostRow => ({ date, project, service: 'Compute Engine', sku: 'x', cost, currency: 'USD' });

describe('month window', () => {
  it('counts asOf day inclusive and reaches back 7 days, across the month boundary', () => {
    expect(w).toEqual({
      month: '2026-11',
      start: '2026-11-01',
      asOfDate: '2026-11-18',
      daysInMonth: 30,
      daysElapsed: 18,
      daysRemaining: 12,
      trailingStart: '2026-11-12',
    });
    expect(monthWindow(new Date('2026-11-03T23:59:00Z')).trailingStart).toBe('2026-10-28');
    expect(monthWindow(new Date('2028-02-10T00:00:00Z')).daysInMonth).toBe(29);
  });
});

describe('budget forecast', () => {
  it('run-rate and trailing-7 on a flat series agree', () => {
    const flat = Array.from({ length: 18 }, (_, i) => day(`2026-11-${String(i + 1).padStart(2, '0')}`, 100));
    const b = forecastBudget(spec(), flat, w, options);
    expect(b).toMatchObject({ spentUsd: 1800, spentPct: 60, trailingDailyUsd: 100, crossed: [0.5], forecastToCross: [0.9, 1], state: 'at-risk' });
    expect(b.forecast).toMatchObject({ runRateUsd: 3000, trailing7Usd: 3000, usedUsd: 3000, usedPct: 100 });
  });

  it('the trailing-7 forecast catches a resource that started last week; max uses it', () => {
    const series = Array.from({ length: 18 }, (_, i) => day(`2026-11-${String(i + 1).padStart(2, '0')}`, i >= 11 ? 200 : 50));
    const b = forecastBudget(spec(), series, w, options);
    // 11 × 50 + 7 × 200 = 1950 so far; the last 7 days average 200.
    expect(b.forecast).toMatchObject({ runRateUsd: 3250, trailing7Usd: 4350, usedUsd: 4350 });
    expect(forecastBudget(spec(), series, w, { ...options, forecastMethod: 'run-rate' }).forecast.usedUsd).toBe(3250);
  });

  it('ignores other projects, other currencies, last month and days after asOf in spend to date', () => {
    const b = forecastBudget(
      spec(),
      [day('2026-10-31', 999), day('2026-11-01', 10), day('2026-11-19', 999), day('2026-11-02', 999, 'q'), { ...day('2026-11-02', 999), currency: 'EUR' }],
      w,
      options,
    );
    expect(b.spentUsd).toBe(10);
  });

  it('is over once actual spend reaches the amount, whatever the forecast', () => {
    expect(forecastBudget(spec({ amountUsd: 10 }), [day('2026-11-01', 10)], w, options).state).toBe('over');
  });

  it('matches the shipped staging budget', () => {
    const staging = budgetSpec(fixture.resources.find((r) => r.name === 'acme-staging monthly')!) as BudgetSpec;
    const b = forecastBudget(staging, rows, w, options);
    expect(b.forecast.trailing7Usd).toBeGreaterThan(b.forecast.runRateUsd * 1.2);
    expect(b.state).toBe('at-risk');
  });
});

describe('budget resources', () => {
  it('reads thresholds sorted and defaulted, and refuses budgets it cannot forecast', () => {
    const r = fixture.resources.find((x) => x.name === 'acme-data monthly')!;
    expect(budgetSpec(r)).toMatchObject({ project: 'acme-data', amountUsd: 15000, thresholds: [0.5, 0.75, 0.9, 1], currentState: null });
    expect(budgetSpec({ ...r, attributes: { ...r.attributes, thresholds: undefined } })).toMatchObject({ thresholds: [0.5, 0.9, 1] });
    expect(budgetSpec({ ...r, attributes: { ...r.attributes, period: 'quarter' } })).toMatch(/only monthly/);
    expect(budgetSpec({ ...r, attributes: { ...r.attributes, amountUsd: 0 } })).toMatch(/amountUsd/);
    expect(budgetSpec({ ...r, attributes: { ...r.attributes, project: null } })).toMatch(/project/);
  });

  it('lists spend of projects without a budget', () => {
    expect(unbudgetedSpend(rows, new Set(['acme-prod', 'acme-staging', 'acme-dev', 'acme-data', 'acme-ml']), w)).toEqual([
      { project: 'acme-sandbox-42', spentUsd: 199 },
    ]);
  });
});

describe('stop planning', () => {
  const vms = fixture.resources.filter((r) => r.kind === 'vm');
  const staging = forecastBudget(budgetSpec(fixture.resources.find((r) => r.name === 'acme-staging monthly')!) as BudgetSpec, rows, w, options);

  it('proposes nothing at or under the stop ratio', () => {
    const prod = forecastBudget(budgetSpec(fixture.resources.find((r) => r.name === 'acme-prod monthly')!) as BudgetSpec, rows, w, options);
    expect(planStops(prod, vms, w, options)).toBeNull();
  });

  it('orders by cost, prices the days left, and marks which stops the target needs', () => {
    const plan = planStops(staging, vms, w, options)!;
    expect(plan.proposals[0]).toMatchObject({ name: 'staging-load-gen-01', avoidedUsd: 902.04, neededForTarget: true });
    expect(plan.proposals.map((p) => p.neededForTarget)).toEqual([true, true, true, false, false, false]);
    expect(plan.proposals[2]!.forecastAfterUsd).toBeLessThan(6000);
    expect(plan.proposals[1]!.forecastAfterUsd).toBeGreaterThan(6000);
    expect(plan.reachesTarget).toBe(true);
    expect(plan.skipped).toEqual([
      { name: 'staging-db-replica', project: 'acme-staging', reason: 'keep-alive-label' },
      { name: 'prod-readonly-mirror', project: 'acme-staging', reason: 'production' },
    ]);
  });

  it('treats production env values case-insensitively and as configured', () => {
    const vm = vms.find((v) => v.name === 'staging-api-01')!;
    const upper = { ...vm, labels: { ...vm.labels, env: 'PROD' } };
    expect(planStops(staging, [upper], w, options)!.skipped[0]?.reason).toBe('production');
    expect(planStops(staging, [vm], w, { ...options, productionEnvs: ['staging'] })!.proposals).toEqual([]);
  });
});
