import type { AgentContext, CloudAction } from '@agent-marketplace/runner';
import {
  DEFAULTS,
  STATE_LABEL,
  budgetSpec,
  forecastBudget,
  labelReason,
  monthWindow,
  planStops,
  unbudgetedSpend,
  type BudgetReport,
  type CostRow,
  type ForecastMethod,
  type GuardOptions,
  type StopPlan,
  type StopProposal,
} from './forecast.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;
const METHODS: readonly ForecastMethod[] = ['max', 'run-rate', 'trailing-7'];

function numberInput(input: Record<string, unknown>, key: string, fallback: number): number {
  const v = input[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

function asOfInput(input: Record<string, unknown>): Date {
  const raw = input['asOf'];
  if (raw === undefined || raw === null || raw === '') return new Date();
  const d = new Date(String(raw));
  if (Number.isNaN(d.getTime())) throw new Error(`asOf must be an ISO date or date-time, got ${JSON.stringify(raw)}`);
  return d;
}

function readOptions(input: Record<string, unknown>): GuardOptions {
  const method = input['forecastMethod'];
  const envs = input['productionEnvs'];
  return {
    asOf: asOfInput(input),
    forecastMethod: METHODS.includes(method as ForecastMethod) ? (method as ForecastMethod) : DEFAULTS.forecastMethod,
    atRiskRatio: numberInput(input, 'atRiskRatio', DEFAULTS.atRiskRatio),
    stopAboveRatio: numberInput(input, 'stopAboveRatio', DEFAULTS.stopAboveRatio),
    stopTargetRatio: numberInput(input, 'stopTargetRatio', DEFAULTS.stopTargetRatio),
    productionEnvs: Array.isArray(envs) && envs.length ? envs.filter((e): e is string => typeof e === 'string') : DEFAULTS.productionEnvs,
    stopUnlabelledVms: input['stopUnlabelledVms'] === true,
  };
}

/** A VM left running all month: what a stop saves per month while the VM stays stopped. */
const HOURS_PER_MONTH = 730;

/** What approvers read for a proposed stop: one line (at most 300 characters) and its expected impact. */
function approvalText(p: StopProposal, b: BudgetReport | undefined, daysRemaining: number): Pick<CloudAction, 'summary' | 'impact'> {
  const monthlyUsd = round2(p.hourlyCostUsd * HOURS_PER_MONTH);
  const why = b ? `${b.name} is forecast at ${b.forecast.usedPct}%` : 'its budget is forecast far over';
  const line =
    `Stop non-production VM ${p.project}/${p.name} (${p.machineType}, env=${p.env ?? 'unset'}): ${why}; ` +
    `avoids about $${p.avoidedUsd} in the ${daysRemaining} days left, $${monthlyUsd}/month while stopped`;
  return {
    summary: line.length <= 300 ? line : `${line.slice(0, 299)}…`,
    impact: {
      monthlySavings: { amountMinor: Math.round(monthlyUsd * 100), currency: 'USD' },
      note:
        `Forecast after this stop and the ones listed before it: $${p.forecastAfterUsd}. ` +
        (p.neededForTarget ? 'Still needed to bring the budget back under its target.' : 'Not needed to reach the target: the stops before it already do.'),
    },
  };
}

/**
 * Forecasts month-end spend per monthly budget, labels each budget with its state, and proposes
 * stopping non-production VMs where the forecast runs far over (each stop waits for approval).
 */
export default async function run(ctx: AgentContext) {
  const options = readOptions(ctx.input);
  const proposeStops = ctx.input['proposeStops'] !== false;
  const w = monthWindow(options.asOf);

  ctx.progress(5, 'Reading budgets and billing');
  ctx.log.info('Reading budgets and the billing export', { account: ctx.cloud.account, month: w.month, asOf: w.asOfDate });
  const [budgetResources, rows] = await Promise.all([ctx.cloud.list('budget'), ctx.cloud.dataset<CostRow>('billing')]);
  ctx.log.info(`Loaded ${budgetResources.length} budgets and ${rows.length} billing rows`, { budgets: budgetResources.length, rows: rows.length });

  ctx.progress(20, 'Forecasting month-end spend');
  const reports: BudgetReport[] = [];
  const skippedBudgets: { id: string; name: string; reason: string }[] = [];
  for (const r of budgetResources) {
    const spec = budgetSpec(r);
    if (typeof spec === 'string') {
      skippedBudgets.push({ id: r.id, name: r.name, reason: spec });
      ctx.log.warn(`Skipping budget ${r.name}: ${spec}`, { budget: r.id });
      continue;
    }
    const report = forecastBudget(spec, rows, w, options);
    reports.push(report);
    const line = `${report.name}: $${report.spentUsd} spent (${report.spentPct}%), forecast $${report.forecast.usedUsd} (${report.forecast.usedPct}%) → ${report.state}`;
    const fields = {
      budget: report.id,
      project: report.project,
      amountUsd: report.amountUsd,
      spentUsd: report.spentUsd,
      runRateUsd: report.forecast.runRateUsd,
      trailing7Usd: report.forecast.trailing7Usd,
      crossed: report.crossed,
      forecastToCross: report.forecastToCross,
      state: report.state,
    };
    if (report.state === 'ok') ctx.log.info(line, fields);
    else ctx.log.warn(line, fields);
  }
  const unbudgeted = unbudgetedSpend(rows, new Set(reports.map((b) => b.project)), w);
  for (const u of unbudgeted) ctx.log.info(`Project ${u.project} spent $${u.spentUsd} this month without a monthly budget`, { ...u });

  // Labelling is not gated: it records the state on the budget, where dashboards and people see it.
  ctx.progress(45, 'Labelling budgets');
  const labelled: { id: string; name: string; from: string | null; to: string }[] = [];
  const labelFailures: { id: string; name: string; error: string }[] = [];
  for (const b of reports) {
    if (b.previousState === b.state) continue;
    const action: CloudAction = { kind: 'budget', id: b.id, verb: 'label', params: { labels: { [STATE_LABEL]: b.state } }, reason: labelReason(b, w) };
    try {
      await ctx.cloud.act(action);
      labelled.push({ id: b.id, name: b.name, from: b.previousState, to: b.state });
      ctx.log.info(`Labelled ${b.name} ${STATE_LABEL}=${b.state} (was ${b.previousState ?? 'unset'})`, { budget: b.id, from: b.previousState, to: b.state });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      labelFailures.push({ id: b.id, name: b.name, error: message });
      ctx.log.error(`Could not label ${b.name}: ${message}`, { budget: b.id });
    }
  }

  ctx.progress(60, 'Planning stops of non-production VMs');
  const stopPlans: (StopPlan & { budgetId: string; budget: string })[] = [];
  const needsStops = reports.filter((b) => b.forecast.usedUsd > options.stopAboveRatio * b.amountUsd);
  const vms = needsStops.length && proposeStops ? await ctx.cloud.list('vm') : [];
  for (const b of needsStops) {
    if (!proposeStops) {
      ctx.log.info(`${b.name} is forecast above ${Math.round(options.stopAboveRatio * 100)}%, but proposeStops is off`, { budget: b.id });
      continue;
    }
    const plan = planStops(b, vms, w, options);
    if (!plan) continue;
    stopPlans.push({ ...plan, budgetId: b.id, budget: b.name });
    ctx.log.warn(
      `${b.name} is forecast at ${b.forecast.usedPct}%: proposing to stop ${plan.proposals.length} non-production VMs ` +
        `(avoids $${plan.avoidableUsd}, forecast after all stops $${plan.forecastAfterAllUsd})`,
      { budget: b.id, project: b.project, proposals: plan.proposals.length, avoidableUsd: plan.avoidableUsd, reachesTarget: plan.reachesTarget },
    );
    for (const s of plan.skipped) ctx.log.info(`Not proposing ${s.project}/${s.name}: ${s.reason}`, { vm: s.name, reason: s.reason });
  }

  const stopped: StopProposal[] = [];
  const pendingApproval: (StopProposal & { action: string; approvalId: string })[] = [];
  const stopFailures: { vmId: string; name: string; error: string }[] = [];
  const proposals = stopPlans.flatMap((p) => p.proposals);
  const budgetsById = new Map(reports.map((b) => [b.id, b]));
  for (const [i, p] of proposals.entries()) {
    ctx.progress(65 + Math.round((20 * i) / proposals.length), `Stopping ${p.name}`);
    try {
      const result = await ctx.cloud.act({ kind: 'vm', id: p.vmId, verb: 'stop', reason: p.reason, ...approvalText(p, budgetsById.get(p.budgetId), w.daysRemaining) });
      if (result.proposal) {
        // Proposed, not done: the run waits for the decision and the platform stops the VM if approved.
        pendingApproval.push({ ...p, action: 'vm.stop', approvalId: result.proposal.id });
        ctx.log.info(`Proposed stopping ${p.project}/${p.name}: waiting for an approval`, {
          vm: p.name,
          project: p.project,
          action: 'vm.stop',
          approvalId: result.proposal.id,
          avoidedUsd: p.avoidedUsd,
          neededForTarget: p.neededForTarget,
        });
      } else {
        stopped.push(p);
        ctx.log.info(`Stopped ${p.project}/${p.name}`, { vm: p.name, project: p.project, avoidedUsd: p.avoidedUsd });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      stopFailures.push({ vmId: p.vmId, name: p.name, error: message });
      ctx.log.error(`Could not stop ${p.project}/${p.name}: ${message}`, { vm: p.name, project: p.project });
    }
  }

  const count = (s: BudgetReport['state']) => reports.filter((b) => b.state === s).length;
  const summary = {
    asOf: w.asOfDate,
    month: w.month,
    daysElapsed: w.daysElapsed,
    daysInMonth: w.daysInMonth,
    budgets: reports.length,
    over: count('over'),
    atRisk: count('at-risk'),
    ok: count('ok'),
    totalBudgetUsd: round2(reports.reduce((s, b) => s + b.amountUsd, 0)),
    totalSpentUsd: round2(reports.reduce((s, b) => s + b.spentUsd, 0)),
    totalForecastUsd: round2(reports.reduce((s, b) => s + b.forecast.usedUsd, 0)),
    unbudgetedSpendUsd: round2(unbudgeted.reduce((s, u) => s + u.spentUsd, 0)),
    labelsChanged: labelled.length,
    stopsProposed: proposals.length,
    stopped: stopped.length,
    pendingApproval: pendingApproval.length,
    avoidedUsd: round2(stopped.reduce((s, p) => s + p.avoidedUsd, 0)),
    options: { ...options, asOf: options.asOf.toISOString(), proposeStops },
    text: null as string | null,
  };

  if (!ctx.llm) {
    ctx.log.info('No language model is configured: skipping the finance-channel summary.');
  } else if (reports.length > 0) {
    ctx.progress(90, 'Writing the finance summary');
    const brief = reports.map((b) => ({
      budget: b.name,
      amountUsd: b.amountUsd,
      spentUsd: b.spentUsd,
      forecastUsd: b.forecast.usedUsd,
      forecastPct: b.forecast.usedPct,
      state: b.state,
    }));
    summary.text = await ctx.llm.complete(
      `Write a short status for a finance Slack channel (at most four sentences, plain text) about these cloud budgets ` +
        `on ${w.asOfDate}, ${w.daysRemaining} days before month end. Mention every budget that is over or at risk, and ` +
        `that ${proposals.length} VM stops avoiding about $${round2(proposals.reduce((s, p) => s + p.avoidedUsd, 0))} ` +
        `are ${pendingApproval.length ? 'proposed and waiting for approval' : 'done or not needed'}.\n${JSON.stringify(brief)}`,
      { maxTokens: 250, signal: ctx.signal },
    );
    ctx.log.info('Wrote the finance-channel summary', { model: ctx.llm.model, chars: summary.text.length });
  }

  ctx.log.info(`Done: ${summary.over} over, ${summary.atRisk} at risk, ${summary.ok} ok; ${pendingApproval.length} stops proposed for approval`, {
    over: summary.over,
    atRisk: summary.atRisk,
    ok: summary.ok,
    labelsChanged: labelled.length,
    stopped: stopped.length,
    pendingApproval: pendingApproval.length,
  });
  ctx.progress(100, 'Done');
  return {
    budgets: reports,
    labelled,
    stopPlans: stopPlans.map(({ proposals: _p, ...rest }) => rest),
    stopped,
    pendingApproval,
    failed: [...labelFailures, ...stopFailures],
    unbudgeted,
    skippedBudgets,
    summary,
  };
}
