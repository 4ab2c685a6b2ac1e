import { createHash, randomBytes } from 'node:crypto';
import { adminDb } from './admin.ts';

/** A run parked in `starting` with a runner token we know, as dispatch would leave it. */
export async function seedStartingRun(
  wsId: string,
  opts: { agentId: string; agentVersion: string; installId?: string; input?: Record<string, unknown>; by?: string; state?: 'starting' | 'dispatching'; secretRefs?: Record<string, string> },
): Promise<{ runId: string; token: string }> {
  const runId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const now = new Date();
  await adminDb.doc(`workspaces/${wsId}/runs/${runId}`).set({
    id: runId, wsId, installId: opts.installId ?? 'inst1', agentId: opts.agentId, agentVersion: opts.agentVersion,
    state: opts.state ?? 'starting', attempt: 1, trigger: { kind: 'manual', by: opts.by ?? 'test' }, input: opts.input ?? {},
    createdAt: now, updatedAt: now, startedAt: null, finishedAt: null, heartbeatAt: null, progress: null,
    outputs: null, error: null, eventCount: 3, lease: null, executionId: 'test',
    timeoutSeconds: 300, maxAttempts: 1, backoffSeconds: 30, deadlineAt: null, watchAt: null, slots: [], redeliveries: 0, usage: null,
    runnerTokenHash: createHash('sha256').update(secret).digest('hex'),
    ...(opts.secretRefs ? { secretRefs: opts.secretRefs } : {}),
  });
  return { runId, token: `rt_${wsId}_${runId}_${secret}` };
}
