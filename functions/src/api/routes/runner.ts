import { endpoints } from '@agent-marketplace/contract';
import type { Principal } from '../../app/shared/principal.js';
import { attachArtifact } from '../../app/runs/runArtifacts.js';
import { ingestLogs, reportCompleted, reportHeartbeat, reportStarted, startRunnerSession } from '../../app/runs/runnerReports.js';
import { secretsForRun } from '../../app/runs/runSecrets.js';
import { readSandbox, recordSandboxAction } from '../../app/sandbox/sandbox.js';
import { requestApproval } from '../../app/approvals/proposals.js';
import { actOnCloud, getCloud, listCloud, readCloudDataset } from '../../app/cloud/runCloud.js';
import { implement } from '../route.js';

/**
 * The runner API: how an execution (the Node runner, or an agent in any language) reports
 * back. The execution gets a one-time bootstrap token (RUNNER_BOOTSTRAP_TOKEN) and exchanges it
 * here, starting the run, for the run-scoped session token that authenticates every other call. Everything a
 * runner sends is checked as if an attacker sent it: the agent shares its process.
 */
type RunnerPrincipal = Extract<Principal, { kind: 'runner' }>;
const runnerOf = (principal: unknown) => principal as RunnerPrincipal;

export const runnerRoutes = [
  implement(endpoints.runnerSession, async ({ deps, params, body }) => ({ body: await startRunnerSession(deps, params.runId, body.bootstrapToken, body.nonce) })),
  implement(endpoints.runnerStarted, async ({ deps, principal }) => ({ body: await reportStarted(deps, runnerOf(principal)) })),
  implement(endpoints.runnerLogs, async ({ deps, principal, body }) => {
      const { created, truncated } = await ingestLogs(deps, runnerOf(principal), body);
      return { body: { ok: true, duplicate: !created, truncated } };
    }),
  implement(endpoints.runnerHeartbeat, async ({ deps, principal, body }) => {
      await reportHeartbeat(deps, runnerOf(principal), body);
      return { body: { ok: true } };
    }),
  implement(endpoints.runnerComplete, async ({ deps, principal, body }) => {
      await reportCompleted(deps, runnerOf(principal), body);
      return { body: { ok: true } };
    }),

  implement(endpoints.runnerSandboxState, async ({ deps, principal, body }) => ({ body: { overrides: await readSandbox(deps, runnerOf(principal), body.keys) } })),
  implement(endpoints.runnerSandboxAction, async ({ deps, principal, body }) => ({ body: { ok: true, ...(await recordSandboxAction(deps, runnerOf(principal), body)) } })),

  // A connected cloud (docs/cloud-connections.md): checked and performed by the platform with the run's credential.
  implement(endpoints.runnerCloudList, async ({ deps, principal, body }) => ({ body: { items: await listCloud(deps, runnerOf(principal), body.kind, body.filter) } })),
  implement(endpoints.runnerCloudGet, async ({ deps, principal, body }) => ({ body: { resource: await getCloud(deps, runnerOf(principal), body.kind, body.id) } })),
  implement(endpoints.runnerCloudDataset, async ({ deps, principal, body }) => ({
      body: { rows: await readCloudDataset(deps, runnerOf(principal), body.name, { ...(body.since ? { since: new Date(body.since) } : {}), ...(body.limit ? { limit: body.limit } : {}) }) },
    })),
  implement(endpoints.runnerCloudAction, async ({ deps, principal, body }) => ({ body: { ok: true as const, ...(await actOnCloud(deps, runnerOf(principal), body)) } })),

  implement(endpoints.runnerApprovalRequest, async ({ deps, principal, body }) => ({ body: await requestApproval(deps, runnerOf(principal).run, body) })),

  implement(endpoints.runnerAttachArtifact, async ({ deps, principal, body }) => ({ status: 201, body: await attachArtifact(deps, runnerOf(principal), body) })),
  implement(endpoints.runnerSecrets, async ({ deps, principal }) => ({ body: { values: await secretsForRun(deps, runnerOf(principal)) } })),
];
