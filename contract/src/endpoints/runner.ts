import { z } from 'zod';
import { Ack, RunId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { ArtifactUploadIn, CompleteIn, HeartbeatIn, LogBatchIn, RunnerSessionIn, RunnerSessionOut, RunnerStartedOut, SandboxKey } from '../runner.js';
import { SandboxActionIn, SandboxActionOut, SandboxOverride } from '../sandbox.js';
import { ArtifactMetaOut } from '../runs.js';
import { ApprovalRequestIn, ApprovalRequestOut } from '../approvals.js';

const RunParams = z.object({ runId: RunId }).strict();
const runner = { kind: 'runner' } as const;
const tags = ['runner'];

export const runnerEndpoints = {
  runnerSession: endpoint('runnerSession', {
    summary: "Exchange the execution's one-time bootstrap token for the run's session token (once, within the start window); records the start",
    tags,
    // The bootstrap token in the body is the credential: the execution has no other yet.
    access: { kind: 'public' },
    params: RunParams,
    body: RunnerSessionIn,
    response: { status: 200, schema: RunnerSessionOut, description: 'The session token for every other runner call (only its hash is stored), and what the agent runs with' },
    errors: [401, 409],
  }),
  runnerStarted: endpoint('runnerStarted', {
    summary: 'What the agent runs with (input, install config, cloud policy); records the start if the session exchange did not. Idempotent',
    tags,
    access: runner,
    params: RunParams,
    response: { status: 200, schema: RunnerStartedOut, description: 'Recorded; what the agent runs with: input, install config, cloud policy' },
  }),
  runnerLogs: endpoint('runnerLogs', {
    summary: 'A batch of log lines; `seq` numbers batches from 0 and makes retries harmless',
    tags,
    access: runner,
    params: RunParams,
    body: LogBatchIn,
    response: {
      status: 200,
      schema: Ack.extend({ duplicate: z.boolean(), truncated: z.boolean() }).meta({ id: 'LogBatchAck' }),
      description: 'Stored (or already stored). `truncated`: the run reached its log limit with this batch; it is being stopped',
    },
    errors: [409],
  }),
  runnerHeartbeat: endpoint('runnerHeartbeat', {
    summary: 'The agent is alive; optionally its progress',
    tags,
    access: runner,
    params: RunParams,
    body: HeartbeatIn,
    response: { status: 200, schema: Ack, description: 'Recorded' },
  }),
  runnerComplete: endpoint('runnerComplete', {
    summary: 'The agent finished; its outcome, outputs or error',
    tags,
    access: runner,
    params: RunParams,
    body: CompleteIn,
    response: { status: 200, schema: Ack, description: 'Recorded' },
    errors: [409, 422],
  }),
  runnerSandboxState: endpoint('runnerSandboxState', {
    summary: "The workspace's recorded changes to sandbox resources (`kind/id` keys); each kind needs `kind.list` or `kind.get` in the manifest",
    tags,
    access: runner,
    params: RunParams,
    body: z.object({ keys: z.array(SandboxKey).min(1).max(500) }).strict().meta({ id: 'SandboxStateQuery' }),
    response: { status: 200, schema: z.object({ overrides: z.record(z.string(), SandboxOverride) }).meta({ id: 'SandboxState' }), description: 'Overrides by key' },
  }),
  runnerSandboxAction: endpoint('runnerSandboxAction', {
    summary: 'Act on a sandbox resource: the caller names the action and its parameters, the server computes the effect; refused without the permission or when it needs an approval',
    tags,
    access: runner,
    params: RunParams,
    body: SandboxActionIn,
    response: { status: 200, schema: SandboxActionOut, description: "Done: the resource's recorded changes after it, and whether it changed them" },
    errors: [404, 409],
  }),
  runnerApprovalRequest: endpoint('runnerApprovalRequest', {
    summary: "The agent asks people before it goes on (ctx.approval.request): records the request once per key and run, and answers it pending or with the recorded decision",
    tags,
    access: runner,
    params: RunParams,
    body: ApprovalRequestIn,
    response: { status: 200, schema: ApprovalRequestOut, description: 'Pending (the runner suspends the run, reporting `suspended`), or decided: the recorded decision' },
    errors: [409, 422],
  }),
  runnerAttachArtifact: endpoint('runnerAttachArtifact', {
    summary: 'Attach a file to the run (a report, a CSV): up to 512 KiB each, 20 per run; the same name replaces',
    tags,
    access: runner,
    params: RunParams,
    body: ArtifactUploadIn,
    response: { status: 201, schema: ArtifactMetaOut, description: 'Stored' },
    errors: [409, 413],
  }),
  runnerSecrets: endpoint('runnerSecrets', {
    summary: "The install's secret values, for the execution only (while the run is live)",
    tags,
    access: runner,
    params: RunParams,
    response: { status: 200, schema: z.object({ values: z.record(z.string(), z.string()) }).meta({ id: 'RunSecrets' }), description: 'Secret values by name' },
    errors: [409],
  }),
};
