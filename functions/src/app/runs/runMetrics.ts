import { notFound } from '../../domain/errors.js';
import { memoryStatsView, perRun } from '../../domain/memory/stats.js';
import { limitsFor } from '../../domain/runLimits.js';
import { percentile, summarize, type MetricsSummary } from '../../domain/runMetrics.js';
import type { Deps } from '../deps.js';

export interface WorkspaceMetrics {
  workspace: MetricsSummary & {
    activeRuns: number;
    runsThisMonth: number;
    limits: { runsPerMonth: number; concurrentRuns: number };
    approvals: { pending: number; decided: number; approved: number; rejected: number; expired: number; escalated: number; slaBreaches: number; decisionP50Ms: number | null };
  };
  installs: Array<MetricsSummary & { installId: string; agentId: string; memory: { items: number; bytes: number; hitRate: number | null } | null }>;
  agents: Array<MetricsSummary & { agentId: string }>;
}

/**
 * The dashboard's figures: read from the metrics documents finished runs keep up to date
 * (one per install and one per agent), the workspace's run counters and each install's memory
 * counters. No run is scanned.
 */
export async function workspaceMetrics(deps: Pick<Deps, 'runMetrics' | 'workspaces' | 'clock' | 'approvals' | 'memory'>, wsId: string): Promise<WorkspaceMetrics> {
  const now = deps.clock.now();
  const [workspace, stored, approvals] = await Promise.all([deps.workspaces.get(wsId), deps.runMetrics.metrics(wsId, now), deps.approvals.stats(wsId)]);
  if (!workspace) throw notFound('Workspace', 'workspace_not_found');
  const installDocs = Object.entries(stored.installs);
  // One batched read of the installs' memory counters (app/memory): items, bytes, hit rate of the agent's searches.
  const memory = await deps.memory.statsOf(wsId, installDocs.map(([installId]) => installId));
  const memoryOf = (installId: string) => {
    const found = memory.get(installId);
    if (!found) return null;
    const { total } = memoryStatsView(found.stats);
    return {
      items: total.items,
      bytes: total.bytes,
      hitRate: total.hitRate,
      evictions: total.evictions,
      readsPerRun: perRun(total.reads, found.runs),
      writesPerRun: perRun(total.writes, found.runs),
    };
  };
  const byRuns = <T extends { runs: number }>(a: T, b: T) => b.runs - a.runs;
  return {
    workspace: {
      ...summarize(installDocs.map(([, d]) => d), now),
      activeRuns: stored.activeRuns,
      runsThisMonth: stored.runsThisMonth,
      limits: limitsFor(workspace),
      approvals: {
        pending: approvals.pending,
        decided: approvals.decided,
        approved: approvals.approved,
        rejected: approvals.rejected,
        expired: approvals.expired,
        escalated: approvals.escalated,
        slaBreaches: approvals.expired + approvals.escalated,
        decisionP50Ms: percentile(approvals.decisionHist, 0.5),
      },
    },
    installs: installDocs.map(([installId, d]) => ({ installId, agentId: d.agentId, ...summarize([d], now), memory: memoryOf(installId) })).sort(byRuns),
    agents: Object.entries(stored.agents).map(([agentId, d]) => ({ agentId, ...summarize([d], now) })).sort(byRuns),
  };
}
