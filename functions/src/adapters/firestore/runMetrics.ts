import { AggregateField } from 'firebase-admin/firestore';
import type { RunMetricsStore, WorkspaceRunMetrics } from '../../app/runs/ports.js';
import { monthOf } from '../../domain/runLimits.js';
import { MAX_FOLD, mergeMetrics, rollUpDue, type MetricsDoc } from '../../domain/runMetrics.js';
import { firestore, revive } from './client.js';
import { mainId, metricsOf, shardsOf, wsSlotsOf } from './runDocuments.js';

/**
 * `workspaces/{ws}/metrics`: each install's run figures, as a document and the deltas finished
 * runs leave beside it (the run store writes those when a run finishes).
 */
export class FirestoreRunMetricsStore implements RunMetricsStore {
  /**
   * One query reads every metrics document of the workspace, install documents and their
   * deltas alike, so the sums are of one consistent snapshot. Installs whose deltas are due
   * (domain/runMetrics.ts rollUpDue) have them folded in afterwards, for cheaper reads later.
   */
  async metrics(wsId: string, now: Date): Promise<WorkspaceRunMetrics> {
    const [active, monthRuns, snap] = await Promise.all([
      wsSlotsOf(wsId).count().get(),
      shardsOf(wsId, monthOf(now)).aggregate({ runs: AggregateField.sum('runs') }).get(),
      metricsOf(wsId).get(),
    ]);
    const byInstall = new Map<string, { agentId: string; main: Partial<MetricsDoc> | null; rolledUpAt: Date | null; deltas: Array<{ id: string; data: Partial<MetricsDoc> }> }>();
    for (const d of snap.docs) {
      // Documents of no install (per-agent documents of earlier versions) are left out: agents are summed from installs.
      const installId = d.get('installId') as string | undefined;
      if (!installId) continue;
      const entry = byInstall.get(installId) ?? { agentId: String(d.get('agentId') ?? ''), main: null, rolledUpAt: null, deltas: [] };
      const data = revive<Partial<MetricsDoc> & { rolledUpAt?: Date }>(d.data());
      if (d.get('shard') === undefined) Object.assign(entry, { main: data, rolledUpAt: data.rolledUpAt ?? null });
      else entry.deltas.push({ id: d.id, data });
      byInstall.set(installId, entry);
    }
    const installs: WorkspaceRunMetrics['installs'] = {};
    const agents = new Map<string, MetricsDoc[]>();
    for (const [installId, e] of byInstall) {
      const merged = mergeMetrics([e.main ?? {}, ...e.deltas.map((x) => x.data)]);
      installs[installId] = { ...merged, agentId: e.agentId };
      agents.set(e.agentId, [...(agents.get(e.agentId) ?? []), merged]);
    }
    const due = [...byInstall].filter(([, e]) => rollUpDue(e.rolledUpAt, e.deltas.length, now));
    await Promise.all(due.map(([installId, e]) => this.rollUp(wsId, installId, e.agentId, e.deltas.slice(0, MAX_FOLD).map((x) => x.id), now)));
    return {
      activeRuns: active.data().count,
      runsThisMonth: monthRuns.data().runs ?? 0,
      installs,
      agents: Object.fromEntries([...agents].map(([agentId, docs]) => [agentId, mergeMetrics(docs)])),
    };
  }

  /**
   * Folds an install's deltas into its document and deletes them, in one transaction: a run
   * finishing meanwhile either lands before (and is folded) or after (in a delta made anew).
   * Best effort: a reader that loses here still answered from its snapshot.
   */
  private async rollUp(wsId: string, installId: string, agentId: string, deltaIds: string[], now: Date): Promise<void> {
    const main = metricsOf(wsId).doc(mainId(installId));
    try {
      await firestore().runTransaction(async (tx) => {
        const [doc, ...deltas] = await tx.getAll(main, ...deltaIds.map((id) => metricsOf(wsId).doc(id)));
        const present = deltas.filter((d) => d.exists);
        if (present.length === 0) return;
        const merged = mergeMetrics([revive<Partial<MetricsDoc>>(doc!.data() ?? {}), ...present.map((d) => revive<Partial<MetricsDoc>>(d.data()))]);
        tx.set(main, { ...merged, installId, agentId, rolledUpAt: now });
        for (const d of present) tx.delete(d.ref);
      });
    } catch (err) {
      console.error(JSON.stringify({ severity: 'WARNING', message: 'metrics roll-up failed; the next reader tries again', wsId, installId, error: String(err) }));
    }
  }
}
