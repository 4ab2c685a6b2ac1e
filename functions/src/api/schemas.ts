import { z } from 'zod';
import { ManifestSchema } from '../domain/manifest.js';
import { LogLevel, LogLine } from '../domain/models.js';
import { ApiKeyScope, Permission, Role } from '../domain/roles.js';
import { RunPolicy } from '../domain/runPolicy.js';
import { RunState } from '../domain/runState.js';

/**
 * Request and response shapes of the REST API: the contract, and the source of
 * `/v1/openapi.json`. Requests are strict (unknown fields are rejected); responses list
 * exactly what a client sees.
 */
const Timestamp = z.iso.datetime();
export const MAX_OUTPUT_BYTES = 256 * 1024;
export const Id = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'an id of letters and digits');

export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(1024).optional(),
  })
  .strict();

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const WorkspaceOut = z
  .object({ id: z.string(), name: z.string(), plan: z.string(), createdAt: Timestamp, role: Role })
  .meta({ id: 'Workspace' });

export const CreateWorkspaceIn = z
  .object({ name: z.string().trim().min(1).max(80) })
  .strict()
  .meta({ id: 'CreateWorkspace' });

export const MemberOut = z
  .object({ uid: z.string(), role: Role, email: z.string().nullable(), addedAt: Timestamp, addedBy: z.string() })
  .meta({ id: 'Member' });

export const AddMemberIn = z.object({ email: z.email().max(254), role: Role }).strict().meta({ id: 'AddMember' });
export const ChangeRoleIn = z.object({ role: Role }).strict().meta({ id: 'ChangeMemberRole' });

export const ApiKeyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ApiKeyScope),
    createdAt: Timestamp,
    createdBy: z.string(),
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const CreatedApiKeyOut = ApiKeyOut.extend({
  /** The full key. Shown once, in this response only. */
  secret: z.string(),
}).meta({ id: 'CreatedApiKey' });

export const CreateApiKeyIn = z
  .object({ name: z.string().trim().min(1).max(80), scopes: z.array(ApiKeyScope).min(1).max(ApiKeyScope.options.length) })
  .strict()
  .meta({ id: 'CreateApiKey' });

export const PricingOut = z.object({ model: z.string(), amountCents: z.number(), currency: z.string(), unit: z.string().nullable() });

export const AgentSummaryOut = z
  .object({
    id: z.string(),
    name: z.string(),
    publisher: z.string(),
    summary: z.string(),
    categories: z.array(z.string()),
    tags: z.array(z.string()),
    latestVersion: z.string(),
    pricingModel: z.string(),
    pricing: PricingOut,
    installCount: z.number().int(),
    ratingAvg: z.number(),
    ratingCount: z.number().int(),
    publishedAt: Timestamp,
  })
  .meta({ id: 'AgentSummary' });

const Permission_ = z.object({ scope: z.string(), risk: z.string(), reason: z.string() });
export const ManifestViewOut = z
  .object({
    permissionsByRisk: z.object({ low: z.array(Permission_), medium: z.array(Permission_), high: z.array(Permission_), critical: z.array(Permission_) }),
    secrets: z.array(z.object({ name: z.string(), description: z.string(), required: z.boolean() })),
    approvals: z.array(z.object({ action: z.string(), description: z.string(), risk: z.string(), levels: z.number() })),
    resources: z.object({ cpu: z.number(), memoryMiB: z.number(), timeoutSeconds: z.number() }),
    pricing: z.object({ model: z.string(), currency: z.string(), amountCents: z.number(), unit: z.string().optional() }),
    memory: z.array(z.string()),
    llm: z.object({ purpose: z.string(), optional: z.boolean() }).nullable(),
    inputs: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'ManifestView' });

export const AgentOut = AgentSummaryOut.extend({
  manifest: ManifestSchema,
  view: ManifestViewOut,
  /** The agent.yaml as published. */
  yaml: z.string(),
}).meta({ id: 'Agent' });

export const AgentVersionOut = z
  .object({ version: z.string(), releaseNotes: z.string().nullable(), publishedAt: Timestamp })
  .meta({ id: 'AgentVersion' });

export const AgentVersionDetailOut = AgentVersionOut.extend({
  manifest: ManifestSchema,
  view: ManifestViewOut,
  yaml: z.string(),
}).meta({ id: 'AgentVersionDetail' });

export const ReviewOut = z
  .object({ uid: z.string(), authorName: z.string(), rating: z.number().int(), text: z.string(), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Review' });

export const PutReviewIn = z
  .object({ rating: z.number().int().min(1, 'a rating is 1 to 5 stars').max(5, 'a rating is 1 to 5 stars'), text: z.string().trim().max(4000).default('') })
  .strict()
  .meta({ id: 'PutReview' });

export const ValidateManifestIn = z.object({ yaml: z.string().min(1).max(64 * 1024) }).strict().meta({ id: 'ValidateManifest' });

export const InstallOut = z
  .object({
    id: z.string(),
    agentId: z.string(),
    version: z.string(),
    state: z.enum(['draft', 'active', 'paused', 'uninstalled']),
    target: z.enum(['saas']),
    config: z.record(z.string(), z.unknown()),
    /** Which secrets are set, and when; never their values or references. */
    secrets: z.array(z.object({ name: z.string(), setAt: Timestamp, setBy: z.string() })),
    consent: z.object({ scopes: z.array(z.string()), version: z.string(), acceptedBy: z.string(), acceptedAt: Timestamp }).nullable(),
    triggers: z.object({
      manual: z.boolean(),
      schedules: z.array(z.object({ id: z.string(), cron: z.string(), timeZone: z.string(), enabled: z.boolean() })),
      webhook: z.object({ enabled: z.boolean(), url: z.string().nullable() }),
    }),
    approvalPolicy: z.record(z.string(), z.object({ approverRole: z.string(), levels: z.number().int() })),
    runPolicy: RunPolicy,
    steps: z.record(z.string(), Timestamp),
    createdAt: Timestamp,
    createdBy: z.string(),
    updatedAt: Timestamp,
    deployedAt: Timestamp.nullable(),
    deployedBy: z.string().nullable(),
  })
  .meta({ id: 'Install' });

export const RunPolicyIn = RunPolicy.meta({ id: 'RunPolicy' });

export const CreateInstallIn = z
  .object({ agentId: z.string().min(1).max(63), version: z.string().min(1).max(64).optional() })
  .strict()
  .meta({ id: 'CreateInstall' });

export const ChooseIn = z.object({ version: z.string().min(1).max(64) }).strict().meta({ id: 'ChooseVersion' });
export const ConfigureIn = z.object({ config: z.record(z.string(), z.unknown()) }).strict().meta({ id: 'Configure' });
export const SecretIn = z.object({ value: z.string().min(1).max(64 * 1024) }).strict().meta({ id: 'SetSecret' });
export const ConsentIn = z.object({ scopes: z.array(z.string().max(100)).max(50) }).strict().meta({ id: 'Consent' });
export const TriggersIn = z
  .object({
    manual: z.boolean().default(true),
    schedules: z.array(z.object({ cron: z.string().max(100), timeZone: z.string().max(64), enabled: z.boolean().optional() }).strict()).max(10).default([]),
    webhook: z.object({ enabled: z.boolean(), rotate: z.boolean().optional() }).strict().default({ enabled: false }),
    approvalPolicy: z
      .record(z.string(), z.object({ approverRole: z.enum(['approver', 'admin', 'owner']), levels: z.number().int().min(1).max(3).optional() }).strict())
      .optional(),
  })
  .strict()
  .meta({ id: 'Triggers' });
export const UpgradeIn = z.object({ version: z.string().min(1).max(64), consent: z.array(z.string().max(100)).max(50).optional() }).strict().meta({ id: 'Upgrade' });

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
  })
  .meta({ id: 'Run' });

export const TriggerRunIn = z
  .object({ input: z.record(z.string(), z.unknown()).optional() })
  .strict()
  .meta({ id: 'TriggerRun' });

export const RunEventOut = z
  .object({ seq: z.number().int(), from: RunState.nullable(), to: RunState, reason: z.string(), attempt: z.number().int(), at: Timestamp })
  .meta({ id: 'RunEvent' });

export const LogLineOut = LogLine.extend({ seq: z.number().int(), attempt: z.number().int() }).meta({ id: 'LogLine' });

export const LogsQuery = z
  .object({ after: z.coerce.number().int().min(-1).default(-1), limit: z.coerce.number().int().min(1).max(100).default(50) })
  .strict();

export const LogPageOut = z.object({ lines: z.array(LogLineOut), next: z.number().int() }).meta({ id: 'LogPage' });

/** Runner API: what an agent's runner sends (documented so any language can implement it). */
export const LogBatchIn = z
  .object({ seq: z.number().int().min(0).max(999_999), lines: z.array(LogLine).min(1).max(1000) })
  .strict()
  .meta({ id: 'LogBatch' });

export const HeartbeatIn = z
  .object({ progress: z.object({ percent: z.number().min(0).max(100), message: z.string().max(500) }).strict().optional() })
  .strict()
  .meta({ id: 'Heartbeat' });

export const CompleteIn = z
  .object({
    outcome: z.enum(['succeeded', 'failed', 'timed_out']),
    /** Billing units the agent used in this attempt (the manifest's pricing says what a unit is). */
    usage: z.object({ units: z.number().min(0).max(1e9) }).strict().optional(),
    // Outputs live on the run document (1 MiB in all); larger results belong in artifacts.
    outputs: z
      .record(z.string(), z.unknown())
      .refine((o) => JSON.stringify(o).length <= MAX_OUTPUT_BYTES, `outputs must be at most ${MAX_OUTPUT_BYTES} bytes of JSON`)
      .optional(),
    error: z.object({ code: z.string().max(64), message: z.string().max(4000) }).strict().optional(),
  })
  .strict()
  .meta({ id: 'RunCompletion' });

export const Ack = z.object({ ok: z.literal(true) }).meta({ id: 'Ack' });

export const HealthOut = z.object({ status: z.literal('ok'), version: z.string() });

export const MeOut = z.object({ uid: z.string(), email: z.string().nullable() }).meta({ id: 'Me' });

export { LogLevel, Permission };

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
    }),
    installs: z.array(z.object({ installId: z.string(), agentId: z.string(), ...Summary })),
    agents: z.array(z.object({ agentId: z.string(), ...Summary })),
  })
  .meta({ id: 'WorkspaceMetrics' });
