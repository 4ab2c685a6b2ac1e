/** Pure budget forecasting and stop planning: no I/O, so it is tested directly. */
import type { Resource } from '@agent-marketplace/runner';

export interface CostRow {
  date: string;
  project: string;
  service: string;
  sku: string;
  cost: number;
  currency: string;
}

export type ForecastMethod = 'max' | 'run-rate' | 'trailing-7';
export type BudgetState = 'over' | 'at-risk' | 'ok';

export interface GuardOptions {
  asOf: Date;
  /** Which forecast drives the decisions; `max` takes the higher of the two. */
  forecastMethod: ForecastMethod;
  /** A budget is at risk when its forecast reaches this fraction of the amount. */
  atRiskRatio: number;
  /** Stops are proposed when the forecast is above this fraction of the amount. */
  stopAboveRatio: number;
  /** Proposals are marked needed until the forecast falls back under this fraction. */
  stopTargetRatio: number;
  /** env label values that mean production. */
  productionEnvs: string[];
  /** Propose stopping VMs that carry no env label at all. */
  stopUnlabelledVms: boolean;
}

export const DEFAULTS: Omit<GuardOptions, 'asOf'> = {
  forecastMethod: 'max',
  atRiskRatio: 1.0,
  stopAboveRatio: 1.2,
  stopTargetRatio: 1.0,
  productionEnvs: ['prod', 'production'],
  stopUnlabelledVms: false,
};

export const STATE_LABEL = 'budget-state';
export const DEFAULT_THRESHOLDS = [0.5, 0.9, 1.0];
const TRAILING_DAYS = 7;
const DAY_MS = 86_400_000;

const round2 = (n: number) => Math.round(n * 100) / 100;
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export interface MonthWindow {
  /** `2026-11` */
  month: string;
  /** First day of the month, `2026-11-01`. */
  start: string;
  /** asOf's date: billing rows up to and including it count. */
  asOfDate: string;
  daysInMonth: number;
  /** Days of the month up to and including asOf's date. */
  daysElapsed: number;
  daysRemaining: number;
  /** First date of the trailing window (may be in the previous month). */
  trailingStart: string;
}

/** The calendar facts of asOf's month, in UTC (billing exports are dated in UTC here). */
export function monthWindow(asOf: Date): MonthWindow {
  const y = asOf.getUTCFullYear();
  const m = asOf.getUTCMonth();
  const daysInMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const daysElapsed = asOf.getUTCDate();
  return {
    month: isoDate(asOf).slice(0, 7),
    start: isoDate(new Date(Date.UTC(y, m, 1))),
    asOfDate: isoDate(asOf),
    daysInMonth,
    daysElapsed,
    daysRemaining: daysInMonth - daysElapsed,
    trailingStart: isoDate(new Date(Date.UTC(y, m, daysElapsed) - (TRAILING_DAYS - 1) * DAY_MS)),
  };
}

export interface BudgetSpec {
  id: string;
  name: string;
  project: string;
  amountUsd: number;
  currency: string;
  period: string;
  thresholds: number[];
  currentState: string | null;
}

/** Reads a budget resource defensively; a string says why it cannot be evaluated. */
export function budgetSpec(r: Resource): BudgetSpec | string {
  const a = r.attributes;
  const amount = a['amountUsd'];
  const period = typeof a['period'] === 'string' ? a['period'] : 'month';
  const project = typeof a['project'] === 'string' && a['project'] ? a['project'] : null;
  if (typeof amount !== 'number' || !(amount > 0)) return 'it has no positive amountUsd';
  if (period !== 'month') return `its period is "${period}"; only monthly budgets are forecast`;
  if (!project) return 'it is not scoped to a project';
  const raw = Array.isArray(a['thresholds']) ? a['thresholds'].filter((t): t is number => typeof t === 'number' && t > 0) : [];
  return {
    id: r.id,
    name: r.name,
    project,
    amountUsd: amount,
    currency: typeof a['currency'] === 'string' ? a['currency'] : 'USD',
    period,
    thresholds: [...new Set(raw.length ? raw : DEFAULT_THRESHOLDS)].sort((x, y) => x - y),
    currentState: r.labels[STATE_LABEL] ?? null,
  };
}

export interface BudgetReport {
  id: string;
  name: string;
  project: string;
  amountUsd: number;
  currency: string;
  spentUsd: number;
  spentPct: number;
  /** Average daily cost over the last 7 days up to asOf. */
  trailingDailyUsd: number;
  forecast: { runRateUsd: number; trailing7Usd: number; method: ForecastMethod; usedUsd: number; usedPct: number };
  /** Thresholds the actual spend has reached. */
  crossed: number[];
  /** Thresholds not reached yet that the forecast will reach by month end. */
  forecastToCross: number[];
  state: BudgetState;
  previousState: string | null;
}

/** Spend to date and month-end forecasts of one budget. */
export function forecastBudget(spec: BudgetSpec, rows: readonly CostRow[], w: MonthWindow, options: GuardOptions): BudgetReport {
  let spent = 0;
  let trailing = 0;
  for (const r of rows) {
    if (r.project !== spec.project || typeof r.cost !== 'number') continue;
    if (r.currency && r.currency !== spec.currency) continue;
    if (r.date > w.asOfDate) continue;
    if (r.date >= w.start) spent += r.cost;
    if (r.date >= w.trailingStart) trailing += r.cost;
  }
  const trailingDaily = trailing / TRAILING_DAYS;
  const runRate = w.daysElapsed > 0 ? (spent / w.daysElapsed) * w.daysInMonth : 0;
  const trailing7 = spent + trailingDaily * w.daysRemaining;
  const used =
    options.forecastMethod === 'run-rate' ? runRate : options.forecastMethod === 'trailing-7' ? trailing7 : Math.max(runRate, trailing7);
  const crossed = spec.thresholds.filter((t) => spent >= t * spec.amountUsd);
  const forecastToCross = spec.thresholds.filter((t) => !crossed.includes(t) && used >= t * spec.amountUsd);
  const state: BudgetState = spent >= spec.amountUsd ? 'over' : used >= options.atRiskRatio * spec.amountUsd ? 'at-risk' : 'ok';
  return {
    id: spec.id,
    name: spec.name,
    project: spec.project,
    amountUsd: spec.amountUsd,
    currency: spec.currency,
    spentUsd: round2(spent),
    spentPct: pct(spent, spec.amountUsd),
    trailingDailyUsd: round2(trailingDaily),
    forecast: {
      runRateUsd: round2(runRate),
      trailing7Usd: round2(trailing7),
      method: options.forecastMethod,
      usedUsd: round2(used),
      usedPct: pct(used, spec.amountUsd),
    },
    crossed,
    forecastToCross,
    state,
    previousState: spec.currentState,
  };
}

/** The `reason` kept with the label action. */
export function labelReason(b: BudgetReport, w: MonthWindow): string {
  return (
    `Budget ${b.name}: spent $${b.spentUsd} of $${b.amountUsd} (${b.spentPct}%) by ${w.asOfDate}; ` +
    `month-end forecast $${b.forecast.usedUsd} (${b.forecast.usedPct}%, ${b.forecast.method}) → ${b.state}.`
  );
}

/** Projects with spend this month and no monthly budget. */
export function unbudgetedSpend(rows: readonly CostRow[], budgeted: ReadonlySet<string>, w: MonthWindow): { project: string; spentUsd: number }[] {
  const by = new Map<string, number>();
  for (const r of rows) {
    if (budgeted.has(r.project) || r.date < w.start || r.date > w.asOfDate) continue;
    by.set(r.project, (by.get(r.project) ?? 0) + r.cost);
  }
  return [...by].map(([project, s]) => ({ project, spentUsd: round2(s) })).sort((a, b) => b.spentUsd - a.spentUsd);
}

export interface StopProposal {
  vmId: string;
  name: string;
  project: string;
  env: string | null;
  machineType: string;
  hourlyCostUsd: number;
  /** What stopping it now avoids until month end. */
  avoidedUsd: number;
  /** The forecast if this VM and every proposal before it are stopped. */
  forecastAfterUsd: number;
  /** Still needed to bring the forecast under the target, counting the proposals before it. */
  neededForTarget: boolean;
  budgetId: string;
  reason: string;
}

export interface VmSkip {
  name: string;
  project: string;
  reason: 'production' | 'keep-alive-label' | 'managed-by-group' | 'no-env-label';
}

export interface StopPlan {
  proposals: StopProposal[];
  skipped: VmSkip[];
  avoidableUsd: number;
  forecastAfterAllUsd: number;
  reachesTarget: boolean;
}

/**
 * For a budget forecast above stopAboveRatio, every running non-production VM of its project,
 * most expensive first, each with the forecast once it (and those above it) are stopped.
 * Null when the budget does not call for stops.
 */
export function planStops(b: BudgetReport, vms: readonly Resource[], w: MonthWindow, options: GuardOptions): StopPlan | null {
  if (b.forecast.usedUsd <= options.stopAboveRatio * b.amountUsd) return null;
  const prodEnvs = new Set(options.productionEnvs.map((e) => e.toLowerCase()));
  const skipped: VmSkip[] = [];
  const eligible: Resource[] = [];
  for (const vm of vms) {
    if (vm.kind !== 'vm' || vm.project !== b.project || vm.state !== 'running') continue;
    const env = vm.labels['env'];
    if (env !== undefined && prodEnvs.has(env.toLowerCase())) skipped.push({ name: vm.name, project: vm.project, reason: 'production' });
    else if (vm.labels['keep-alive'] === 'true') skipped.push({ name: vm.name, project: vm.project, reason: 'keep-alive-label' });
    else if (typeof vm.attributes['managedBy'] === 'string') skipped.push({ name: vm.name, project: vm.project, reason: 'managed-by-group' });
    else if (env === undefined && !options.stopUnlabelledVms) skipped.push({ name: vm.name, project: vm.project, reason: 'no-env-label' });
    else eligible.push(vm);
  }
  const hourly = (vm: Resource) => (typeof vm.attributes['hourlyCostUsd'] === 'number' ? vm.attributes['hourlyCostUsd'] : 0);
  eligible.sort((x, y) => hourly(y) - hourly(x) || x.name.localeCompare(y.name));
  const target = options.stopTargetRatio * b.amountUsd;
  let forecast = b.forecast.usedUsd;
  const proposals = eligible.map((vm): StopProposal => {
    const neededForTarget = forecast > target;
    const avoided = round2(hourly(vm) * 24 * w.daysRemaining);
    forecast = round2(forecast - avoided);
    return {
      vmId: vm.id,
      name: vm.name,
      project: vm.project,
      env: vm.labels['env'] ?? null,
      machineType: typeof vm.attributes['machineType'] === 'string' ? vm.attributes['machineType'] : 'unknown',
      hourlyCostUsd: hourly(vm),
      avoidedUsd: avoided,
      forecastAfterUsd: forecast,
      neededForTarget,
      budgetId: b.id,
      reason:
        `Budget ${b.name} is forecast at $${b.forecast.usedUsd} (${b.forecast.usedPct}% of $${b.amountUsd}), above ` +
        `${Math.round(options.stopAboveRatio * 100)}%. Stopping non-production VM ${vm.name} (env=${vm.labels['env'] ?? 'unset'}) ` +
        `avoids about $${avoided} over the ${w.daysRemaining} days left.`,
    };
  });
  return {
    proposals,
    skipped,
    avoidableUsd: round2(proposals.reduce((s, p) => s + p.avoidedUsd, 0)),
    forecastAfterAllUsd: forecast,
    reachesTarget: forecast <= target,
  };
}
