import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { Run, RunEvent } from './models.js';

/**
 * The billable facts a run's state change creates (docs/billing.md), free of I/O: the store
 * writes them to the outbox in the transition's own transaction, so each exists exactly when
 * its fact does, and its id is the same however often it is published.
 * - `run`: the run started (its first attempt reached `running`), once per run;
 * - `compute_seconds`: an attempt that ran has ended (or was handed back to the queue), whole
 *   seconds rounded up, per attempt;
 * - `units`: the units the agent reported with its outcome, in thousandths, per attempt.
 */
export function usageEventsFor(before: Run, after: Run, change: Pick<RunEvent, 'from' | 'to'>, at: Date): UsageEvent[] {
  const base = {
    wsId: before.wsId,
    installId: before.installId,
    agentId: before.agentId,
    agentVersion: before.agentVersion,
    runId: before.id,
    attempt: before.attempt,
    occurredAt: at.toISOString(),
  };
  const out: UsageEvent[] = [];
  if (change.to === 'running' && change.from !== 'running' && after.attempt === 1 && !(after.resumes ?? 0)) {
    out.push({ ...base, attempt: after.attempt, id: `usage:${before.id}:run`, kind: 'run', quantity: 1 });
  }
  if (change.from === 'running' && change.to !== 'running' && before.startedAt) {
    const seconds = Math.max(0, Math.ceil((at.getTime() - before.startedAt.getTime()) / 1000));
    out.push({ ...base, id: `usage:${before.id}:compute:${before.attempt}`, kind: 'compute_seconds', quantity: seconds });
  }
  const reported = (after.usage?.units ?? 0) - (before.usage?.units ?? 0);
  if (reported > 0) {
    out.push({ ...base, id: `usage:${before.id}:units:${before.attempt}`, kind: 'units', quantity: Math.round(reported * 1000) });
  }
  return out;
}
