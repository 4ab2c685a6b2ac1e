import { createHash, randomBytes } from 'node:crypto';
import { adminDb } from './admin.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A run parked in `starting` with a runner token we know, as dispatch would leave it after the
 * runner exchanged its bootstrap token: the token's hash is in the run's internal document.
 */
export async function seedStartingRun(
  wsId: string,
  opts: { agentId: string; agentVersion: string; installId?: string; input?: Record<string, unknown>; by?: string; state?: 'starting' | 'dispatching'; secretRefs?: Record<string, string> },
): Promise<{ runId: string; token: string }> {
  const runId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await seedRunDoc(wsId, runId, opts);
  await adminDb.doc(`workspaces/${wsId}/runs/${runId}/internal/runner`).set({
    lease: null, executionId: 'test', runnerTokenHash: sha256(secret), bootstrap: null, ...(opts.secretRefs ? { secretRefs: opts.secretRefs } : {}),
  });
  return { runId, token: `rt_${wsId}_${runId}_${secret}` };
}

/**
 * A run as dispatch leaves it before its runner has started: only a one-time bootstrap token,
 * valid until `expiresAt` (server clock), exists for it.
 */
export async function seedDispatchedRun(
  wsId: string,
  opts: { agentId: string; agentVersion: string; expiresAt: Date },
): Promise<{ runId: string; bootstrapToken: string }> {
  const runId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await seedRunDoc(wsId, runId, { ...opts, state: 'starting' });
  await adminDb.doc(`workspaces/${wsId}/runs/${runId}/internal/runner`).set({
    lease: null, executionId: 'test', runnerTokenHash: null, bootstrap: { hash: sha256(secret), expiresAt: opts.expiresAt, usedAt: null },
  });
  return { runId, bootstrapToken: `rb_${wsId}_${runId}_${secret}` };
}

async function seedRunDoc(
  wsId: string,
  runId: string,
  opts: { agentId: string; agentVersion: string; installId?: string; input?: Record<string, unknown>; by?: string; state?: 'starting' | 'dispatching' },
): Promise<void> {
  const now = new Date();
  await adminDb.doc(`workspaces/${wsId}/runs/${runId}`).set({
    id: runId, wsId, installId: opts.installId ?? 'inst1', agentId: opts.agentId, agentVersion: opts.agentVersion,
    state: opts.state ?? 'starting', attempt: 1, trigger: { kind: 'manual', by: opts.by ?? 'test' }, input: opts.input ?? {},
    createdAt: now, updatedAt: now, startedAt: null, finishedAt: null, heartbeatAt: null, progress: null,
    outputs: null, error: null, eventCount: 3,
    timeoutSeconds: 300, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null, watchAt: null, slots: [], redeliveries: 0, usage: null,
  });
}
