import { endpoints, RunOut } from '@agent-marketplace/contract';
import { getArtifact, listArtifacts } from '../../app/runs/runArtifacts.js';
import { workspaceMetrics } from '../../app/runs/runMetrics.js';
import { cancelRun, getRun, listRunEvents, listRunLogs, listRuns, triggerRun } from '../../app/runs/runs.js';
import { openStreamSlot, streamRun } from '../../app/runs/runStream.js';
import { actorId } from '../../app/shared/principal.js';
import { implement } from '../route.js';

/** Cancel, at the custom method the API promises and at a plain path for clients that need one. */
const cancel = (endpoint: typeof endpoints.cancelRun | typeof endpoints.cancelRunAlias) =>
  implement(endpoint, async ({ deps, access, params }) => ({ body: await cancelRun(deps, access!, params.runId) }));

export const runRoutes = [
  implement(endpoints.triggerRun, async ({ deps, access, params, body, creation }) => {
      const run = await triggerRun(deps, access!, { installId: params.installId, input: body.input, runId: creation.id, sameRequest: { resumed: creation.resumed } });
      return { body: run, headers: { Location: `/v1/workspaces/${run.wsId}/runs/${run.id}` } };
    }),
  implement(endpoints.listRuns, async ({ deps, params, query }) => ({
      body: await listRuns(deps, params.wsId, { installId: query.installId, state: query.state }, { limit: query.limit, cursor: query.cursor }),
    })),
  implement(endpoints.workspaceMetrics, async ({ deps, params }) => ({ body: await workspaceMetrics(deps, params.wsId) })),
  implement(endpoints.getRun, async ({ deps, params }) => ({ body: await getRun(deps, params.wsId, params.runId) })),
  implement(endpoints.listRunEvents, async ({ deps, params }) => ({ body: { items: await listRunEvents(deps, params.wsId, params.runId) } })),
  implement(endpoints.listRunLogs, async ({ deps, params, query }) => {
      const { chunks, next } = await listRunLogs(deps, params.wsId, params.runId, query.after, query.limit);
      const lines = chunks.flatMap((c) => c.lines.map((l) => ({ ...l, seq: c.seq, attempt: c.attempt })));
      return { body: { lines, next } };
    }),

  implement(endpoints.listRunArtifacts, async ({ deps, params }) => ({ body: { items: await listArtifacts(deps, params.wsId, params.runId) } })),
  implement(endpoints.getRunArtifact, async ({ deps, params }) => ({ body: await getArtifact(deps, params.wsId, params.runId, params.name) })),
  cancel(endpoints.cancelRun),
  cancel(endpoints.cancelRunAlias),

  implement(endpoints.streamRun, async ({ deps, params, headers, access }) => {
      await getRun(deps, params.wsId, params.runId);
      const last = headers['last-event-id'];
      // Before the 200: over the bound, the answer is a 429 problem, not a stream.
      const slot = await openStreamSlot(deps, actorId(access!.principal));
      return {
        body: undefined,
        headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' },
        stream: (write, signal) =>
          streamRun(deps, params.wsId, params.runId, Array.isArray(last) ? last[0] : last, write, signal, {
            runView: (run) => RunOut.parse(JSON.parse(JSON.stringify(run))),
          }).finally(() => slot.release().catch(() => undefined)),
      };
    }),
];
