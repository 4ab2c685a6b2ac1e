import { z } from 'zod';
import { Ack, RunId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { ArtifactUploadIn, CompleteIn, HeartbeatIn, LogBatchIn, RunnerStartedOut, SandboxActionIn, SandboxKey, SandboxOverride } from '../runner.js';
import { ArtifactMetaOut } from '../runs.js';

const RunParams = z.object({ runId: RunId }).strict();
const runner = { kind: 'runner' } as const;
const tags = ['runner'];

export const runnerEndpoints = {
  runnerStarted: endpoint('runnerStarted', {
    summary: 'The execution has started the agent',
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
  }),
  runnerSandboxState: endpoint('runnerSandboxState', {
    summary: "The workspace's recorded changes to sandbox resources (`kind/id` keys)",
    tags,
    access: runner,
    params: RunParams,
    body: z.object({ keys: z.array(SandboxKey).min(1).max(500) }).strict().meta({ id: 'SandboxStateQuery' }),
    response: { status: 200, schema: z.object({ overrides: z.record(z.string(), SandboxOverride) }).meta({ id: 'SandboxState' }), description: 'Overrides by key' },
  }),
  runnerSandboxAction: endpoint('runnerSandboxAction', {
    summary: 'Record an action on a sandbox resource; refused without the permission or when it needs an approval',
    tags,
    access: runner,
    params: RunParams,
    body: SandboxActionIn,
    response: { status: 200, schema: Ack, description: 'Recorded' },
    errors: [409],
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
