import type { Stack } from '../lib/stack.ts';
import { FirestoreMeter, type Usage } from './firestoreMeter.ts';

/** A task the use case handed to the dispatch queue. */
export interface RecordedTask {
  wsId: string;
  runId: string;
  attempt: number;
}

/** What one trigger got: a run id (201) or a refusal's status and code. */
export interface Admission {
  status: number;
  runId: string | null;
  code: string | null;
  ms: number;
  usage: Usage | null;
}

/**
 * The real triggerRun and cancelRun use cases with the real Firestore adapters, in this
 * process, against the bench stack's Firestore emulator. The dispatch queue records tasks
 * instead of sending them (runs are admitted and enqueued, never executed), and the Firestore
 * client the adapters use is metered, so each admission's reads and writes are known.
 */
export async function admissionHarness(stack: Stack) {
  Object.assign(process.env, stack.clientEnv);
  const [{ firestore }, runs, runMetrics, installs, catalog, workspaces, useCases, errors, approvals] = await Promise.all([
    import('../../functions/lib/adapters/firestore/client.js'),
    import('../../functions/lib/adapters/firestore/runs.js'),
    import('../../functions/lib/adapters/firestore/runMetrics.js'),
    import('../../functions/lib/adapters/firestore/installs.js'),
    import('../../functions/lib/adapters/firestore/catalog.js'),
    import('../../functions/lib/adapters/firestore/workspaces.js'),
    import('../../functions/lib/app/runs/runs.js'),
    import('../../functions/lib/domain/errors.js'),
    import('../../functions/lib/adapters/firestore/approvals.js'),
  ]);
  const { FirestoreUsageLedger } = await import('../../functions/lib/adapters/firestore/usageLedger.js');
  const { workspaceMetrics } = await import('../../functions/lib/app/runs/runMetrics.js');
  const { FirestoreMemoryStore } = await import('../../functions/lib/adapters/firestore/memory.js');
  const meter = new FirestoreMeter(firestore());
  const tasks: RecordedTask[] = [];
  const clock = { now: () => new Date() };
  const deps = {
    clock,
    runs: new runs.FirestoreRunStore(clock.now),
    runMetrics: new runMetrics.FirestoreRunMetricsStore(),
    installs: new installs.FirestoreInstallStore(),
    catalog: new catalog.FirestoreCatalogStore(),
    workspaces: new workspaces.FirestoreWorkspaceStore(),
    // Cancelling a run withdraws its pending proposals (none here: nothing runs).
    approvals: new approvals.FirestoreApprovalStore(clock.now),
    // The metrics read each install's memory counters (one batched read).
    memory: new FirestoreMemoryStore(),
    // The usage ledger the trigger's spend check reads (the probe is free: it reads nothing).
    usage: new FirestoreUsageLedger(),
    dispatchQueue: {
      enqueue: async (task: RecordedTask) => {
        tasks.push(task);
      },
    },
    executor: {
      kind: 'local' as const,
      start: () => Promise.reject(new Error('the admission bench executes nothing')),
      // Queued runs have no execution; cancelRun calls this only for a started one.
      cancel: () => Promise.reject(new Error('the admission bench executes nothing')),
    },
    // The engine's production defaults (scripts/lib/stack.ts ENGINE_PARAMS); admission reads only the queued bound.
    config: {
      runnerApiUrl: stack.urls.runnerApi,
      leaseSeconds: 120,
      heartbeatTimeoutSeconds: 120,
      runnerHeartbeatSeconds: 15,
      queuedTimeoutSeconds: 600,
      startTimeoutSeconds: 600,
      timeoutGraceSeconds: 30,
      maxStreamsPerUser: 10,
      logLimits: { maxLines: 250_000, maxBytes: 64 * 1024 * 1024 },
    },
  };
  const accessOf = (wsId: string) => ({ wsId, principal: { kind: 'system' as const, wsId, name: 'bench' }, role: null, permissions: [] });
  const outcome = (error: unknown): { status: number; code: string | null } => {
    if (!(error instanceof errors.AppError)) throw error;
    return { status: error.kind === 'rate_limited' ? 429 : error.kind === 'unavailable' ? 503 : 500, code: error.code };
  };

  return {
    meter,
    tasks,
    /** One trigger of the install, as the API would make it. */
    async admit(wsId: string, installId: string): Promise<Admission> {
      const t0 = performance.now();
      const m = await meter.measure(() =>
        useCases.triggerRun(deps, accessOf(wsId), { installId, input: { mode: 'ok' }, trigger: { kind: 'api', by: 'bench' } }),
      );
      const ms = performance.now() - t0;
      if (m.error === undefined) return { status: 201, runId: (m.result as { id: string }).id, code: null, ms, usage: m.usage };
      return { ...outcome(m.error), runId: null, ms, usage: m.usage };
    },
    /** A dashboard load: the workspace's metrics, as GET /v1/workspaces/{ws}/metrics reads them. */
    async metrics(wsId: string) {
      const m = await meter.measure(() => workspaceMetrics(deps, wsId));
      if (m.error !== undefined) throw m.error;
      return { metrics: m.result!, usage: m.usage };
    },
    /** Finishes a queued run as a person cancelling it would: frees its slots, counts it in the metrics. */
    async finish(wsId: string, runId: string): Promise<{ ms: number; usage: Usage; ok: boolean }> {
      const t0 = performance.now();
      const m = await meter.measure(() => useCases.cancelRun(deps, accessOf(wsId), runId));
      if (m.error !== undefined) console.log(`    finish ${runId} failed: ${String(m.error)}`);
      return { ms: performance.now() - t0, usage: m.usage, ok: m.error === undefined };
    },
  };
}

export type AdmissionHarness = Awaited<ReturnType<typeof admissionHarness>>;
