import { z } from 'zod';
import { Ack } from './common.js';
import { ArtifactName, LogLine } from './runs.js';

/**
 * The runner API: how an execution (the Node runner, or an agent in any language) reports back.
 * Authenticated by the run-scoped session token the runner gets for its one-time bootstrap
 * token (RUNNER_BOOTSTRAP_TOKEN, execution.ts) from `runnerSession`.
 */
export const MAX_OUTPUT_BYTES = 256 * 1024;

export const RunnerStartedOut = Ack.extend({
  input: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
  attempt: z.number().int(),
  /** The cloud permissions the agent may use, and which of them wait for an approval. */
  policy: z.object({ scopes: z.array(z.string()), gated: z.array(z.string()) }),
  /** Names of the install's secrets; their values come from `runnerSecrets`. */
  secretNames: z.array(z.string()),
  /**
   * The install's connected cloud: its calls go to the runner API's `cloud/*` routes, performed by
   * the platform. Null: no connection (the local executor's sandbox, when it has one).
   */
  cloud: z.object({ provider: z.enum(['gcp', 'aws']), account: z.string() }).nullable(),
  /** The memory levels the manifest declares (docs/memory.md): `ctx.memory` refuses the others by name. */
  memory: z.array(z.string()),
}).meta({ id: 'RunnerStarted' });
export type RunnerStarted = z.output<typeof RunnerStartedOut>;

export const LogBatchIn = z
  .object({ seq: z.number().int().min(0).max(999_999), lines: z.array(LogLine).min(1).max(1000) })
  .strict()
  .meta({ id: 'LogBatch' });
export type LogBatch = z.input<typeof LogBatchIn>;

export const Progress = z.object({ percent: z.number().min(0).max(100), message: z.string().max(500) }).strict();

export const HeartbeatIn = z.object({ progress: Progress.optional() }).strict().meta({ id: 'Heartbeat' });

export const RunError = z.object({ code: z.string().max(64), message: z.string().max(4000) }).strict();

export const CompleteIn = z
  .object({
    /**
     * `suspended`: the agent waits on a pending `ctx.approval.request`; the execution ends and a
     * new one resumes the run once its approvals are decided (409 `nothing_to_wait_for` when none is pending or decided).
     */
    outcome: z.enum(['succeeded', 'failed', 'timed_out', 'suspended']),
    /**
     * Billing units the agent used in this attempt (the manifest's pricing says what a unit is);
     * above the pricing's `maxUnitsPerRun` for the whole run, 422 `usage_limit_exceeded` and the run fails.
     */
    usage: z.object({ units: z.number().min(0).max(1e9) }).strict().optional(),
    // Outputs live on the run document (1 MiB in all); larger results belong in artifacts.
    outputs: z
      .record(z.string(), z.unknown())
      .refine((o) => JSON.stringify(o).length <= MAX_OUTPUT_BYTES, `outputs must be at most ${MAX_OUTPUT_BYTES} bytes of JSON`)
      .optional(),
    error: RunError.optional(),
  })
  .strict()
  .meta({ id: 'RunCompletion' });
export type Completion = z.input<typeof CompleteIn>;

export const SandboxKey = z.string().regex(/^[a-z][a-z0-9.]{0,40}\/\S.{0,399}$/, 'kind/id');

/**
 * The runner's first call: its one-time bootstrap token (RUNNER_BOOTSTRAP_TOKEN) for its session
 * token. The exchange also records the start and answers what the agent runs with, so an
 * execution reaches `running` in one round trip.
 */
export const RunnerSessionIn = z
  .object({
    bootstrapToken: z.string().min(16).max(400),
    /**
     * A random value the execution makes once and sends with every try of this call: a repeat with
     * the same nonce (a retry after a lost answer) gets a new session token, replacing the first;
     * any other repeat is refused (409 bootstrap_token_used). Only its hash is stored.
     */
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/).optional(),
  })
  .strict()
  .meta({ id: 'RunnerSessionRequest' });
export const RunnerSessionOut = z.object({ token: z.string(), started: RunnerStartedOut }).meta({ id: 'RunnerSession' });

export const ArtifactUploadIn = z
  .object({
    name: ArtifactName,
    contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+(;\s*charset=[\w-]+)?$/, 'a media type, like text/csv').max(100),
    encoding: z.enum(['utf8', 'base64']),
    content: z.string().max(720 * 1024),
  })
  .strict()
  .meta({ id: 'ArtifactUpload' });
export type ArtifactUpload = z.input<typeof ArtifactUploadIn>;
