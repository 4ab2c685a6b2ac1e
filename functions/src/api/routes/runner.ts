import { z } from 'zod';
import { getInstall } from '../../app/installs.js';
import { ingestLogs, reportCompleted, reportHeartbeat, reportStarted } from '../../app/runnerReports.js';
import { policyOf, readSandbox, recordSandboxAction } from '../../app/sandbox.js';
import { secretsForRun } from '../../app/runSecrets.js';
import type { Principal } from '../../app/principal.js';
import { defineRoute } from '../route.js';
import { Ack, CompleteIn, HeartbeatIn, Id, LogBatchIn } from '../schemas.js';

/**
 * The runner API: how an execution (the Node runner, or an agent in any language) reports
 * back. Authenticated by the run-scoped token handed to the execution in RUNNER_TOKEN.
 */
const RunParams = z.object({ runId: Id }).strict();
const SandboxKey = z.string().regex(/^[a-z][a-z0-9.]{0,40}\/\S.{0,399}$/, 'kind/id');
const SandboxOverrideSchema = z
  .object({
    state: z.string().max(40).optional(),
    labels: z.record(z.string().max(63), z.string().max(63)).optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
    deleted: z.boolean().optional(),
  })
  .strict()
  .refine((o) => JSON.stringify(o).length <= 64 * 1024, 'override too large')
  .meta({ id: 'SandboxOverride' });
type RunnerPrincipal = Extract<Principal, { kind: 'runner' }>;
const runnerOf = (principal: unknown) => principal as RunnerPrincipal;

export const runnerRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/started',
    operationId: 'runnerStarted',
    summary: 'The execution has started the agent',
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    response: {
      status: 200,
      schema: Ack.extend({
        input: z.record(z.string(), z.unknown()),
        config: z.record(z.string(), z.unknown()),
        attempt: z.number().int(),
        policy: z.object({ scopes: z.array(z.string()), gated: z.array(z.string()) }),
        secretNames: z.array(z.string()),
      }),
      description: 'Recorded; what the agent runs with: input, install config, cloud policy',
    },
    handler: async ({ deps, principal }) => {
      const run = await reportStarted(deps, runnerOf(principal));
      const [install, manifest] = await Promise.all([
        getInstall(deps, run.wsId, run.installId).catch(() => null),
        deps.catalog.getVersion(run.agentId, run.agentVersion),
      ]);
      const policy = manifest ? policyOf(manifest) : { scopes: [], gated: [] };
      const secretNames = Object.keys(install?.secrets ?? {});
      return { body: { ok: true, input: run.input, config: install?.config ?? {}, attempt: run.attempt, policy, secretNames } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/logs',
    operationId: 'runnerLogs',
    summary: 'A batch of log lines; `seq` numbers batches from 0 and makes retries harmless',
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    body: LogBatchIn,
    response: {
      status: 200,
      schema: Ack.extend({ duplicate: z.boolean(), truncated: z.boolean() }),
      description: 'Stored (or already stored). `truncated`: the run reached its log limit with this batch; it is being stopped',
    },
    errors: [409],
    handler: async ({ deps, principal, body }) => {
      const { created, truncated } = await ingestLogs(deps, runnerOf(principal), body);
      return { body: { ok: true, duplicate: !created, truncated } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/heartbeat',
    operationId: 'runnerHeartbeat',
    summary: 'The agent is alive; optionally its progress',
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    body: HeartbeatIn,
    response: { status: 200, schema: Ack, description: 'Recorded' },
    handler: async ({ deps, principal, body }) => {
      await reportHeartbeat(deps, runnerOf(principal), body);
      return { body: { ok: true } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/complete',
    operationId: 'runnerComplete',
    summary: 'The agent finished; its outcome, outputs or error',
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    body: CompleteIn,
    response: { status: 200, schema: Ack, description: 'Recorded' },
    handler: async ({ deps, principal, body }) => {
      await reportCompleted(deps, runnerOf(principal), body);
      return { body: { ok: true } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/sandbox/state',
    operationId: 'runnerSandboxState',
    summary: "The workspace's recorded changes to sandbox resources (`kind/id` keys)",
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    body: z.object({ keys: z.array(SandboxKey).min(1).max(500) }).strict(),
    response: { status: 200, schema: z.object({ overrides: z.record(z.string(), SandboxOverrideSchema) }), description: 'Overrides by key' },
    handler: async ({ deps, principal, body }) => ({ body: { overrides: await readSandbox(deps, runnerOf(principal), body.keys) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/sandbox/actions',
    operationId: 'runnerSandboxAction',
    summary: 'Record an action on a sandbox resource; refused without the permission or when it needs an approval',
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    body: z
      .object({
        action: z
          .object({
            kind: z.string().regex(/^[a-z][a-z0-9.]{0,40}$/),
            id: z.string().min(1).max(400),
            verb: z.enum(['stop', 'start', 'delete', 'label', 'update']),
            params: z.record(z.string(), z.unknown()).optional(),
            reason: z.string().min(1).max(1000),
          })
          .strict(),
        override: SandboxOverrideSchema,
      })
      .strict(),
    response: { status: 200, schema: Ack, description: 'Recorded' },
    errors: [409],
    handler: async ({ deps, principal, body }) => {
      await recordSandboxAction(deps, runnerOf(principal), body);
      return { body: { ok: true } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/runner/runs/:runId/secrets',
    operationId: 'runnerSecrets',
    summary: "The install's secret values, for the execution only (while the run is live)",
    tags: ['runner'],
    access: { kind: 'runner' },
    params: RunParams,
    response: { status: 200, schema: z.object({ values: z.record(z.string(), z.string()) }), description: 'Secret values by name' },
    errors: [409],
    handler: async ({ deps, principal }) => ({ body: { values: await secretsForRun(deps, runnerOf(principal)) } }),
  }),
];
