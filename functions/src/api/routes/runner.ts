import { z } from 'zod';
import { ingestLogs, reportCompleted, reportHeartbeat, reportStarted } from '../../app/runnerReports.js';
import { defineRoute } from '../route.js';
import { Ack, CompleteIn, HeartbeatIn, Id, LogBatchIn } from '../schemas.js';

/**
 * The runner API: how an execution (the Node runner, or an agent in any language) reports
 * back. Authenticated by the run-scoped token handed to the execution in RUNNER_TOKEN.
 */
const RunParams = z.object({ runId: Id }).strict();
const runnerOf = (principal: unknown) => principal as { wsId: string; runId: string; attempt: number };

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
      schema: Ack.extend({ input: z.record(z.string(), z.unknown()), attempt: z.number().int() }),
      description: 'Recorded; the run input for the agent',
    },
    handler: async ({ deps, principal }) => {
      const run = await reportStarted(deps, runnerOf(principal));
      return { body: { ok: true, input: run.input, attempt: run.attempt } };
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
    response: { status: 200, schema: Ack.extend({ duplicate: z.boolean() }), description: 'Stored (or already stored)' },
    handler: async ({ deps, principal, body }) => {
      const { created } = await ingestLogs(deps, runnerOf(principal), body);
      return { body: { ok: true, duplicate: !created } };
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
];
