import { z } from 'zod';
import { CostEstimate } from './billing.js';
import { Timestamp } from './common.js';

/** The run state machine's states (its transitions are the platform's domain rules). */
export const RunState = z.enum(['queued', 'dispatching', 'starting', 'running', 'awaiting_approval', 'succeeded', 'failed', 'canceled', 'timed_out']);
export type RunState = z.infer<typeof RunState>;

export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'canceled', 'timed_out'];

export const TriggerKind = z.enum(['manual', 'api', 'schedule', 'webhook']);

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

/** One structured log line as an agent writes it. */
export const LogLine = z
  .object({
    ts: z.iso.datetime(),
    level: LogLevel,
    msg: z.string().max(16_384),
    fields: z.record(z.string(), z.unknown()).optional(),
    /** A line the agent wrote to its standard output or error (console.log, process.stderr), captured by the runner. */
    stream: z.enum(['stdout', 'stderr']).optional(),
  })
  .strict();
export type LogLine = z.infer<typeof LogLine>;

export const RunOut = z
  .object({
    id: z.string(),
    installId: z.string(),
    agentId: z.string(),
    agentVersion: z.string(),
    state: RunState,
    attempt: z.number().int(),
    trigger: z.object({ kind: z.string(), by: z.string() }),
    input: z.record(z.string(), z.unknown()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    startedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    heartbeatAt: Timestamp.nullable(),
    progress: z.object({ percent: z.number(), message: z.string() }).nullable(),
    outputs: z.record(z.string(), z.unknown()).nullable(),
    /** On a finished run, why it failed; on a queued retry, why the last attempt failed. */
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    timeoutSeconds: z.number().int(),
    maxAttempts: z.number().int(),
    deadlineAt: Timestamp.nullable(),
    usage: z.object({ units: z.number() }).nullable(),
    /** Its proposals of approval-gated actions: how many, and how many still wait for a decision. */
    approvals: z.object({ pending: z.number().int(), total: z.number().int() }).nullable().default(null),
    /** What the run was expected to cost when it was triggered (its agent's pricing and recent usage); null before billing existed. */
    estimate: CostEstimate.nullable().default(null),
    /** Waiting in `awaiting_approval` on the agent's own request: a new execution resumes the run once its approvals are decided. */
    suspended: z.boolean().default(false),
    /** Executions that resumed the run after its requests were decided (they are not retries: `attempt` counts them, `maxAttempts` does not). */
    resumes: z.number().int().default(0),
  })
  .meta({ id: 'Run' });
export type Run = z.output<typeof RunOut>;

export const TriggerRunIn = z.object({ input: z.record(z.string(), z.unknown()).optional() }).strict().meta({ id: 'TriggerRun' });
export type TriggerRun = z.input<typeof TriggerRunIn>;

export const RunEventOut = z
  .object({ seq: z.number().int(), from: RunState.nullable(), to: RunState, reason: z.string(), attempt: z.number().int(), at: Timestamp })
  .meta({ id: 'RunEvent' });
export type RunEvent = z.output<typeof RunEventOut>;

export const LogLineOut = LogLine.extend({ seq: z.number().int(), attempt: z.number().int() }).meta({ id: 'LogLine' });
export type LogLineView = z.output<typeof LogLineOut>;

export const LogsQuery = z
  .object({ after: z.coerce.number<number>().int().min(-1).default(-1), limit: z.coerce.number<number>().int().min(1).max(100).default(50) })
  .strict();

export const LogPageOut = z.object({ lines: z.array(LogLineOut), next: z.number().int() }).meta({ id: 'LogPage' });

const Summary = {
  runs: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  canceled: z.number().int(),
  timedOut: z.number().int(),
  /** Succeeded over succeeded, failed and timed out (canceled runs are not the agent's doing); null before any. */
  successRate: z.number().nullable(),
  durationP50Ms: z.number().nullable(),
  durationP95Ms: z.number().nullable(),
  lastRunAt: Timestamp.nullable(),
  /** The last 30 UTC days that had finished runs. */
  daily: z.array(z.object({ date: z.string(), runs: z.number().int(), succeeded: z.number().int(), failed: z.number().int() })),
};

export const MetricsOut = z
  .object({
    workspace: z.object({
      ...Summary,
      activeRuns: z.number().int(),
      runsThisMonth: z.number().int(),
      limits: z.object({ runsPerMonth: z.number().int(), concurrentRuns: z.number().int() }),
      /** Approvals since the workspace's first: waiting now, decided, SLA breaches (expired or escalated), median time to a final decision. */
      approvals: z.object({
        pending: z.number().int(),
        decided: z.number().int(),
        approved: z.number().int(),
        rejected: z.number().int(),
        expired: z.number().int(),
        escalated: z.number().int(),
        slaBreaches: z.number().int(),
        decisionP50Ms: z.number().nullable(),
      }),
    }),
    installs: z.array(
      z.object({
        installId: z.string(),
        agentId: z.string(),
        ...Summary,
        /**
         * The install's agent memory, all levels together (GET …/installs/{id}/memory has each level): items, bytes, the hit
         * rate of the agent's searches, evictions by the quota, reads and writes per run (null before a run ended); null: it keeps none.
         */
        memory: z
          .object({
            items: z.number().int(),
            bytes: z.number().int(),
            hitRate: z.number().nullable(),
            evictions: z.number().int(),
            readsPerRun: z.number().nullable(),
            writesPerRun: z.number().nullable(),
          })
          .nullable(),
      }),
    ),
    agents: z.array(z.object({ agentId: z.string(), ...Summary })),
  })
  .meta({ id: 'WorkspaceMetrics' });
export type WorkspaceMetrics = z.output<typeof MetricsOut>;
/** One UTC day of a metrics summary. */
export type DailyCounts = WorkspaceMetrics['workspace']['daily'][number];

/** A file an agent attached to its run (a report, a CSV). */
export const ARTIFACT_LIMITS = { maxBytes: 512 * 1024, perRun: 20 };
export const ArtifactName = z
  .string()
  .regex(/^[\w][\w.-]{0,99}$/, 'letters, digits, dot, dash and underscore, up to 100')
  // The name is the artifact's document id: Firestore reserves ids of the form __x__.
  .refine((s) => !/^__.*__$/.test(s), 'names of the form __x__ are reserved');

export const ArtifactMetaOut = z
  .object({ name: z.string(), contentType: z.string(), size: z.number().int(), encoding: z.enum(['utf8', 'base64']), attempt: z.number().int(), createdAt: Timestamp })
  .meta({ id: 'ArtifactMeta' });
export const ArtifactOut = ArtifactMetaOut.extend({ content: z.string() }).meta({ id: 'Artifact' });

/**
 * The events of a run's stream (`GET .../runs/{id}/stream`), by SSE event type. Event ids are
 * `<eventSeq>.<logSeq>`: send the last one seen as Last-Event-ID to resume exactly there.
 */
export const RunStreamEvents = {
  /** The run, whenever its state, progress, outputs or error change; first on every connection. */
  run: RunOut,
  transition: RunEventOut,
  /** One stored chunk of log lines. */
  logs: z.object({ seq: z.number().int(), attempt: z.number().int(), lines: z.array(LogLine) }),
  /** The run has finished and everything was sent: the stream closes. */
  end: z.object({ state: RunState }),
};
