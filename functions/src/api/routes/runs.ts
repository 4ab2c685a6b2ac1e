import { z } from 'zod';
import { cancelRun, getRun, listRunEvents, listRunLogs, listRuns, triggerRun } from '../../app/runs.js';
import { streamRun } from '../../app/runStream.js';
import { defineRoute } from '../route.js';
import { RunState } from '../../domain/runState.js';
import { workspaceMetrics } from '../../app/runMetrics.js';
import { getArtifact, listArtifacts } from '../../app/runArtifacts.js';
import { ArtifactName } from '../../domain/models.js';
import { ArtifactMetaOut, ArtifactOut, Id, LogPageOut, LogsQuery, MetricsOut, PageQuery, pageOf, RunEventOut, RunOut, TriggerRunIn } from '../schemas.js';

const RunParams = z.object({ wsId: Id, runId: Id }).strict();

/** Cancel, at the custom method the API promises and at a plain path for clients that need one. */
function cancelRoute(path: string, operationId: string, summary: string) {
  return defineRoute({
    method: 'post',
    path,
    operationId,
    summary,
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.trigger' },
    params: RunParams,
    response: { status: 200, schema: RunOut, description: 'The canceled run' },
    errors: [409],
    handler: async ({ deps, access, params }) => ({ body: await cancelRun(deps, access!, params.runId) }),
  });
}

export const runRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs/:installId/runs',
    operationId: 'triggerRun',
    summary: 'Run an installed agent now',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.trigger' },
    params: z.object({ wsId: Id, installId: Id }).strict(),
    body: TriggerRunIn,
    idempotent: true,
    response: { status: 201, schema: RunOut, description: 'The queued run' },
    errors: [412, 429, 503],
    handler: async ({ deps, access, params, body }) => {
      const run = await triggerRun(deps, access!, { installId: params.installId, input: body.input });
      return { body: run, headers: { Location: `/v1/workspaces/${run.wsId}/runs/${run.id}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs',
    operationId: 'listRuns',
    summary: 'Runs in the workspace, newest first',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: z.object({ wsId: Id }).strict(),
    query: PageQuery.extend({ installId: Id.optional(), state: RunState.optional() }).strict(),
    response: { status: 200, schema: pageOf(RunOut), description: 'A page of runs' },
    handler: async ({ deps, params, query }) => ({
      body: await listRuns(deps, params.wsId, { installId: query.installId, state: query.state }, { limit: query.limit, cursor: query.cursor }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/metrics',
    operationId: 'workspaceMetrics',
    summary: 'Runs, success rate and duration percentiles per install and per agent, with the plan limits in use',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: z.object({ wsId: Id }).strict(),
    response: { status: 200, schema: MetricsOut, description: 'The metrics' },
    handler: async ({ deps, params }) => ({ body: await workspaceMetrics(deps, params.wsId) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId',
    operationId: 'getRun',
    summary: 'A run with its state, progress, outputs and error',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams,
    response: { status: 200, schema: RunOut, description: 'The run' },
    handler: async ({ deps, params }) => ({ body: await getRun(deps, params.wsId, params.runId) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId/events',
    operationId: 'listRunEvents',
    summary: "A run's state transitions, in order",
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams,
    response: { status: 200, schema: z.object({ items: z.array(RunEventOut) }), description: 'The transitions' },
    handler: async ({ deps, params }) => ({ body: { items: await listRunEvents(deps, params.wsId, params.runId) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId/logs',
    operationId: 'listRunLogs',
    summary: "A run's log lines after a chunk sequence number; pass `next` as `after` to continue",
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams,
    query: LogsQuery,
    response: { status: 200, schema: LogPageOut, description: 'Log lines in order' },
    handler: async ({ deps, params, query }) => {
      const { chunks, next } = await listRunLogs(deps, params.wsId, params.runId, query.after, query.limit);
      const lines = chunks.flatMap((c) => c.lines.map((l) => ({ ...l, seq: c.seq, attempt: c.attempt })));
      return { body: { lines, next } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId/artifacts',
    operationId: 'listRunArtifacts',
    summary: 'Files the agent attached to the run (without their content)',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams,
    response: { status: 200, schema: z.object({ items: z.array(ArtifactMetaOut) }), description: 'The artifacts' },
    handler: async ({ deps, params }) => ({ body: { items: await listArtifacts(deps, params.wsId, params.runId) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId/artifacts/:name',
    operationId: 'getRunArtifact',
    summary: 'One artifact with its content (`utf8` text, or `base64` bytes)',
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams.extend({ name: ArtifactName }).strict(),
    response: { status: 200, schema: ArtifactOut, description: 'The artifact' },
    handler: async ({ deps, params }) => ({ body: await getArtifact(deps, params.wsId, params.runId, params.name) }),
  }),
  cancelRoute('/v1/workspaces/:wsId/runs/:runId::cancel', 'cancelRun', 'Cancel a run that has not finished; its execution is stopped (also at `.../runs/{runId}/cancel`)'),
  cancelRoute('/v1/workspaces/:wsId/runs/:runId/cancel', 'cancelRunAlias', 'The same as `POST .../runs/{runId}:cancel`, for clients that cannot put a colon in a path'),

  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/runs/:runId/stream',
    operationId: 'streamRun',
    summary:
      "Server-sent events of a run: `run` (the run, whenever its state, progress, outputs or error change), `transition` and `logs` events, then `end`. Reconnect with Last-Event-ID to resume exactly where you were; use the function's own URL if a proxy buffers.",
    tags: ['runs'],
    access: { kind: 'workspace', permission: 'runs.read' },
    params: RunParams,
    response: { status: 200, schema: z.string(), description: 'text/event-stream' },
    handler: async ({ deps, params, headers }) => {
      await getRun(deps, params.wsId, params.runId);
      const last = headers['last-event-id'];
      return {
        body: undefined,
        headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' },
        stream: (write, signal) =>
          streamRun(deps, params.wsId, params.runId, Array.isArray(last) ? last[0] : last, write, signal, { runView: (run) => RunOut.parse(JSON.parse(JSON.stringify(run))) }),
      };
    },
  }),
];
