import { z } from 'zod';
import { InstallId, PageQuery, pageOf, RunId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { ArtifactMetaOut, ArtifactName, ArtifactOut, LogPageOut, LogsQuery, MetricsOut, RunEventOut, RunOut, RunState, RunStreamEvents, TriggerRunIn } from '../runs.js';

const RunParams = z.object({ wsId: WorkspaceId, runId: RunId }).strict();
const read = { kind: 'workspace', permission: 'runs.read' } as const;
const trigger = { kind: 'workspace', permission: 'runs.trigger' } as const;
const tags = ['runs'];

export const runEndpoints = {
  triggerRun: endpoint('triggerRun', {
    summary: 'Run an installed agent now',
    tags,
    access: trigger,
    params: z.object({ wsId: WorkspaceId, installId: InstallId }).strict(),
    body: TriggerRunIn,
    response: { status: 201, schema: RunOut, description: 'The queued run' },
    errors: [412, 429, 503],
  }),
  listRuns: endpoint('listRuns', {
    summary: 'Runs in the workspace, newest first',
    tags,
    access: read,
    params: z.object({ wsId: WorkspaceId }).strict(),
    query: PageQuery.extend({ installId: InstallId.optional(), state: RunState.optional() }).strict(),
    response: { status: 200, schema: pageOf(RunOut), description: 'A page of runs' },
  }),
  workspaceMetrics: endpoint('workspaceMetrics', {
    summary: 'Runs, success rate and duration percentiles per install and per agent, with the plan limits in use',
    tags,
    access: read,
    params: z.object({ wsId: WorkspaceId }).strict(),
    response: { status: 200, schema: MetricsOut, description: 'The metrics' },
  }),
  getRun: endpoint('getRun', {
    summary: 'A run with its state, progress, outputs and error',
    tags,
    access: read,
    params: RunParams,
    response: { status: 200, schema: RunOut, description: 'The run' },
  }),
  listRunEvents: endpoint('listRunEvents', {
    summary: "A run's state transitions, in order",
    tags,
    access: read,
    params: RunParams,
    response: { status: 200, schema: z.object({ items: z.array(RunEventOut) }), description: 'The transitions' },
  }),
  listRunLogs: endpoint('listRunLogs', {
    summary: "A run's log lines after a chunk sequence number; pass `next` as `after` to continue",
    tags,
    access: read,
    params: RunParams,
    query: LogsQuery,
    response: { status: 200, schema: LogPageOut, description: 'Log lines in order' },
  }),
  listRunArtifacts: endpoint('listRunArtifacts', {
    summary: 'Files the agent attached to the run (without their content)',
    tags,
    access: read,
    params: RunParams,
    response: { status: 200, schema: z.object({ items: z.array(ArtifactMetaOut) }), description: 'The artifacts' },
  }),
  getRunArtifact: endpoint('getRunArtifact', {
    summary: 'One artifact with its content (`utf8` text, or `base64` bytes)',
    tags,
    access: read,
    params: RunParams.extend({ name: ArtifactName }).strict(),
    response: { status: 200, schema: ArtifactOut, description: 'The artifact' },
  }),
  cancelRun: endpoint('cancelRun', {
    summary: 'Cancel a run that has not finished; its execution is stopped (also at `.../runs/{runId}/cancel`)',
    tags,
    access: trigger,
    params: RunParams,
    response: { status: 200, schema: RunOut, description: 'The canceled run' },
    errors: [409],
  }),
  cancelRunAlias: endpoint('cancelRunAlias', {
    summary: 'The same as `POST .../runs/{runId}:cancel`, for clients that cannot put a colon in a path',
    tags,
    access: trigger,
    params: RunParams,
    response: { status: 200, schema: RunOut, description: 'The canceled run' },
    errors: [409],
  }),
  streamRun: endpoint('streamRun', {
    summary:
      "Server-sent events of a run: `run` (the run, whenever its state, progress, outputs or error change), `transition` and `logs` events, then `end`. Reconnect with Last-Event-ID to resume exactly where you were; use the function's own URL if a proxy buffers. A user (or API key) holds a bounded number of streams open at once: one more answers 429 `too_many_streams` with Retry-After.",
    tags,
    access: read,
    params: RunParams,
    response: { status: 200, schema: z.string(), description: 'text/event-stream', stream: { contentType: 'text/event-stream', events: RunStreamEvents } },
    errors: [429],
  }),
};
