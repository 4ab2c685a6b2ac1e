import type { Billing, CostEstimate } from '@agent-marketplace/contract/billing';
import { checkSpendCap, estimateRun, monthCharge, noUsage, type Pricing, type UsageCounters } from '../../domain/charges.js';
import { notFound } from '../../domain/errors.js';
import type { Install, Workspace } from '../../domain/models.js';
import type { Manifest } from '../../domain/manifest.js';
import { add, money, zero, type Money } from '../../domain/money.js';
import { monthOf } from '../../domain/runLimits.js';
import type { Deps } from '../deps.js';
import { everyItem } from '../shared/paging.js';
import type { WorkspaceAccess } from '../shared/principal.js';
import type { InstallMonthUsage, UsageMonth } from './ports.js';

type SpendDeps = Pick<Deps, 'usage' | 'catalog' | 'clock'>;

/** Agent versions are immutable once published: their pricing is kept here after the first read. */
const pricings = new Map<string, Pricing | null>();
export async function pricingOf(deps: Pick<Deps, 'catalog'>, agentId: string, version: string): Promise<Pricing | null> {
  const key = `${agentId}@${version}`;
  if (!pricings.has(key)) {
    if (pricings.size > 2000) pricings.clear();
    pricings.set(key, (await deps.catalog.getVersion(agentId, version))?.pricing ?? null);
  }
  return pricings.get(key)!;
}

const previousMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};
const monthEnds = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

/** Each line's charge under its own version's pricing (a version no longer in the catalog charges nothing it cannot price). */
async function chargesOf(deps: Pick<Deps, 'catalog'>, usage: UsageMonth): Promise<Array<InstallMonthUsage & { spent: Money }>> {
  return Promise.all(
    usage.lines.map(async (line) => {
      const pricing = await pricingOf(deps, line.agentId, line.agentVersion);
      return { ...line, spent: pricing ? monthCharge(pricing, line) : zero() };
    }),
  );
}

const sumCounters = (lines: UsageCounters[]): UsageCounters =>
  lines.reduce((a, l) => ({ runs: a.runs + l.runs, computeSeconds: a.computeSeconds + l.computeSeconds, milliUnits: a.milliUnits + l.milliUnits }), noUsage());

/**
 * What a new run of an install is expected to cost, checked against the workspace's and the
 * install's spend caps for the month (a past-due workspace is domain/billingAccount.ts
 * checkPaymentStanding's). Called by the trigger before the run is created; throws 402 to refuse.
 */
export async function admitSpend(deps: SpendDeps, workspace: Workspace, install: Install, manifest: Manifest): Promise<CostEstimate> {
  const pricing = manifest.pricing;
  const now = deps.clock.now();
  const month = monthOf(now);
  const wsCap = workspace.billing?.spendCapMinor ?? null;
  const installCap = install.spendCapMinor ?? null;
  // Most runs need no read: a free agent costs nothing, and a per-run price is known without usage.
  if (pricing.model === 'free') return estimateRun(pricing, noUsage());
  if (pricing.model === 'per_run' && wsCap === null && installCap === null) return estimateRun(pricing, noUsage());
  const [usage, last] = await Promise.all([
    deps.usage.month(workspace.id, month),
    // Last month only matters to estimate units when this month has no runs yet.
    pricing.model === 'per_unit' ? deps.usage.month(workspace.id, previousMonth(month)) : null,
  ]);
  const mine = (u: UsageMonth | null) => sumCounters((u?.lines ?? []).filter((l) => l.installId === install.id && l.agentVersion === install.version));
  const estimate = estimateRun(pricing, mine(usage), mine(last));
  if (estimate.amountMinor === 0 || (wsCap === null && installCap === null)) return estimate;
  const charged = await chargesOf(deps, usage);
  const ends = monthEnds(now);
  const cost = money(estimate.amountMinor, estimate.currency);
  checkSpendCap(installCap === null ? null : money(installCap), charged.filter((l) => l.installId === install.id).reduce((a, l) => add(a, l.spent), zero()), cost, 'install', ends);
  checkSpendCap(wsCap === null ? null : money(wsCap), charged.reduce((a, l) => add(a, l.spent), zero()), cost, 'workspace', ends);
  return estimate;
}

/** The workspace's billing for a month: usage and spend per install (its versions together), the caps. */
export async function billingOverview(deps: SpendDeps & Pick<Deps, 'workspaces' | 'installs'>, wsId: string, month?: string): Promise<Billing> {
  const workspace = await deps.workspaces.get(wsId);
  if (!workspace) throw notFound('Workspace', 'workspace_not_found');
  const at = month ?? monthOf(deps.clock.now());
  const usage = await deps.usage.month(wsId, at);
  const lines = await chargesOf(deps, usage);
  const byInstall = new Map<string, { agentId: string; counters: UsageCounters[]; spent: Money }>();
  for (const l of lines) {
    const row = byInstall.get(l.installId) ?? { agentId: l.agentId, counters: [], spent: zero() };
    row.counters.push(l);
    row.spent = add(row.spent, l.spent);
    byInstall.set(l.installId, row);
  }
  // Every install that can run (with its cap, though it has not run this month), and any that ran.
  // A workspace holds a few hundred installs at most.
  const listed = await everyItem((page) => deps.installs.list(wsId, page), { max: 2000 });
  const ids = new Set([...listed.filter((i) => i.state !== 'uninstalled').map((i) => i.id), ...byInstall.keys()]);
  const byId = new Map(listed.map((i) => [i.id, i]));
  const installs = await Promise.all(
    [...ids].map(async (installId) => {
      const install = byId.get(installId) ?? (await deps.installs.get(wsId, installId));
      const row = byInstall.get(installId);
      const cap = install?.spendCapMinor ?? null;
      return {
        installId,
        agentId: row?.agentId ?? install?.agentId ?? '',
        ...sumCounters(row?.counters ?? []),
        spent: row?.spent ?? zero(),
        cap: cap === null ? null : money(cap),
      };
    }),
  );
  const cap = workspace.billing?.spendCapMinor ?? null;
  return {
    plan: workspace.plan,
    status: workspace.billing?.status ?? 'active',
    month: at,
    spent: installs.reduce((a, i) => add(a, i.spent), zero()),
    cap: cap === null ? null : money(cap),
    installs: installs.sort((a, b) => b.spent.amountMinor - a.spent.amountMinor || a.installId.localeCompare(b.installId)),
    asOf: usage.lastAt?.toISOString() ?? null,
  };
}

export async function setWorkspaceSpendCap(deps: Pick<Deps, 'workspaces'>, access: WorkspaceAccess, capMinor: number | null): Promise<{ cap: Money | null }> {
  await deps.workspaces.setSpendCap(access.wsId, capMinor);
  return { cap: capMinor === null ? null : money(capMinor) };
}

export async function setInstallSpendCap(deps: Pick<Deps, 'installs' | 'clock'>, access: WorkspaceAccess, installId: string, capMinor: number | null): Promise<{ cap: Money | null }> {
  const now = deps.clock.now();
  await deps.installs.update(access.wsId, installId, (install) => {
    if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
    return { next: { ...install, spendCapMinor: capMinor, updatedAt: now } };
  });
  return { cap: capMinor === null ? null : money(capMinor) };
}
