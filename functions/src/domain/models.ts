import { z } from 'zod';
import { ApprovalRule } from '@agent-marketplace/contract/approvals';
import { ApproverRole, InstallState } from '@agent-marketplace/contract/installs';
import { ArtifactName, ARTIFACT_LIMITS, LogLevel, LogLine } from '@agent-marketplace/contract/runs';
import { ApiKeyScope, Role } from './roles.js';
import { RunPolicy } from './runPolicy.js';
import { RunState } from './runState.js';

export { ApproverRole, ArtifactName, ARTIFACT_LIMITS, InstallState, LogLevel, LogLine };

/**
 * Shapes of the documents the platform stores (DESIGN.md "Data model"). Times are Dates
 * here; the Firestore adapter stores them as Timestamps and converts back on read.
 */
export const Workspace = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.enum(['free', 'team', 'enterprise']),
  /** Per-workspace overrides of the plan's run limits and memory quota per install, set by platform admins. */
  quotas: z
    .object({
      runsPerMonth: z.number().int().min(0).optional(),
      concurrentRuns: z.number().int().min(0).optional(),
      memoryItems: z.number().int().min(1).optional(),
      memoryBytes: z.number().int().min(1).optional(),
    })
    .nullable()
    .optional(),
  createdBy: z.string(),
  createdAt: z.date(),
  /**
   * Billing (docs/billing.md): the provider's customer, the subscription's status (past due:
   * paid agents refuse new runs) and the workspace's monthly spend cap (minor units; null: none).
   * Absent until the workspace first deals with billing.
   */
  billing: z
    .object({
      status: z.enum(['active', 'past_due', 'canceled']),
      customerId: z.string().nullable(),
      spendCapMinor: z.number().int().nullable().optional(),
    })
    .passthrough()
    .optional(),
});
export type Workspace = z.infer<typeof Workspace>;

export const Member = z.object({
  uid: z.string(),
  wsId: z.string(),
  role: Role,
  email: z.string().nullable(),
  addedBy: z.string(),
  addedAt: z.date(),
});
export type Member = z.infer<typeof Member>;

export const ApiKey = z.object({
  id: z.string(),
  wsId: z.string(),
  name: z.string(),
  scopes: z.array(ApiKeyScope),
  /** sha256 of the secret part; the secret itself is shown once and never stored. */
  secretHash: z.string(),
  prefix: z.string(),
  createdBy: z.string(),
  /** The member the key acts for (createdBy until re-owned): their leaving revokes it. Absent on keys made before re-owning existed. */
  ownedBy: z.string().optional(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  /** Absent on keys made before expiry existed: no expiry. */
  expiresAt: z.date().nullable().optional(),
  revokedAt: z.date().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** workspaces/{wsId}/invitations/{id}: the token itself is never stored, only its sha256. */
export const Invitation = z.object({
  id: z.string(),
  wsId: z.string(),
  /** Normalized (domain/invitations.ts normalizeEmail). */
  email: z.string(),
  role: Role,
  tokenHash: z.string(),
  invitedBy: z.string(),
  createdAt: z.date(),
  expiresAt: z.date(),
  acceptedAt: z.date().nullable(),
  acceptedBy: z.string().nullable(),
  revokedAt: z.date().nullable(),
});
export type Invitation = z.infer<typeof Invitation>;

/** users/{uid}/sessions/{id}: one sign-in (auth_time) as the API saw it. */
export const Session = z.object({
  id: z.string(),
  uid: z.string(),
  authTime: z.date(),
  lastSeenAt: z.date(),
  userAgent: z.string().nullable(),
  signInProvider: z.string().nullable(),
  revokedAt: z.date().nullable(),
});
export type Session = z.infer<typeof Session>;

export const AgentListing = z.object({
  id: z.string(),
  name: z.string(),
  /** Lowercased name: the `name` sort. */
  nameKey: z.string(),
  publisher: z.string(),
  summary: z.string(),
  categories: z.array(z.string()),
  tags: z.array(z.string()),
  latestVersion: z.string(),
  pricingModel: z.string(),
  pricing: z.object({ model: z.string(), amountCents: z.number(), currency: z.string(), unit: z.string().nullable() }),
  state: z.enum(['draft', 'in_review', 'published', 'suspended']),
  installCount: z.number().int(),
  ratingAvg: z.number(),
  ratingCount: z.number().int(),
  ratingSum: z.number().int(),
  /** Prefixes of the words of name, summary, tags, publisher, categories (catalog search). */
  searchTokens: z.array(z.string()),
  /** The whole words, to check multi-term searches on the documents read. */
  searchWords: z.array(z.string()),
  publishedAt: z.date(),
  updatedAt: z.date(),
});
export type AgentListing = z.infer<typeof AgentListing>;


export const Install = z.object({
  id: z.string(),
  wsId: z.string(),
  agentId: z.string(),
  version: z.string(),
  state: InstallState,
  target: z.enum(['saas']),
  config: z.record(z.string(), z.unknown()),
  /** Secret name → opaque reference in the secret store; never the value. */
  secrets: z.record(z.string(), z.object({ ref: z.string(), setAt: z.date(), setBy: z.string() })),
  consent: z.object({ scopes: z.array(z.string()), version: z.string(), acceptedBy: z.string(), acceptedAt: z.date() }).nullable(),
  triggers: z.object({
    manual: z.boolean(),
    schedules: z.array(z.object({ id: z.string(), cron: z.string(), timeZone: z.string(), enabled: z.boolean() })),
    webhook: z.object({ enabled: z.boolean(), secretRef: z.string().nullable() }),
  }),
  /** Gated action → who decides and how many levels: the wizard's shorthand (domain/approvals.ts ruleFromShorthand). */
  approvalPolicy: z.record(z.string(), z.object({ approverRole: ApproverRole, levels: z.number().int().min(1).max(3) })),
  /** Full approval rules by action or `risk:<level>` (PUT approval-policy); they win over the shorthand. */
  approvalRules: z.record(z.string(), ApprovalRule).optional(),
  approvalRulesUpdated: z.object({ at: z.date(), by: z.string() }).nullable().optional(),
  /** Concurrency and retries of this install's runs (absent: the defaults). */
  runPolicy: RunPolicy.optional(),
  /** The cloud connection the install acts on (docs/cloud-connections.md); absent or null: the sandbox. */
  connection: z.object({ id: z.string(), provider: z.enum(['gcp', 'aws']), account: z.string() }).nullable().optional(),
  /** The install's monthly spend cap in minor units (docs/billing.md); absent or null: none. */
  spendCapMinor: z.number().int().nullable().optional(),
  /** Uninstalled: when its agent memory is purged (domain/memory/retention.ts memoryPurgeAt); null once purged, absent while installed. */
  memoryPurgeAt: z.date().nullable().optional(),
  /** When each wizard step was last saved: lets a wizard resume where it was left. */
  steps: z.record(z.string(), z.date()),
  createdBy: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  deployedAt: z.date().nullable(),
  deployedBy: z.string().nullable(),
});
export type Install = z.infer<typeof Install>;

export const RunTrigger = z.object({
  kind: z.enum(['manual', 'api', 'schedule', 'webhook']),
  /** uid of the member or id of the API key that fired it. */
  by: z.string(),
  /** For an API key, the member it acts for (its owner): the run's requester for approvals. */
  onBehalfOf: z.string().optional(),
});
export type RunTrigger = z.infer<typeof RunTrigger>;

export const Run = z.object({
  id: z.string(),
  wsId: z.string(),
  installId: z.string(),
  agentId: z.string(),
  agentVersion: z.string(),
  state: RunState,
  attempt: z.number().int().min(1),
  trigger: RunTrigger,
  input: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  heartbeatAt: z.date().nullable(),
  progress: z.object({ percent: z.number(), message: z.string() }).nullable(),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Number of transition events appended, which also orders them. */
  eventCount: z.number().int(),
  /** From the manifest: the longest an attempt may run. */
  timeoutSeconds: z.number().int(),
  /** From the install's run policy when the run was created. */
  maxAttempts: z.number().int().min(1),
  backoffSeconds: z.number().int(),
  /** When the current attempt must have finished (set when it starts running). */
  deadlineAt: z.date().nullable(),
  /**
   * When the watchdog must look at this run if nothing happened by then (a lost task, a
   * silent runner, a deadline). Null once the run has finished.
   */
  watchAt: z.date().nullable(),
  /** Ids of the concurrency slots the run holds until it finishes (domain/runSlots.ts). */
  slots: z.array(z.string()),
  /** The month quota shard the run was charged to (domain/monthQuota.ts); absent on a run created without admission. */
  monthShard: z.number().int().optional(),
  /** The watchdog put this attempt back on the queue this many times (lost tasks). */
  redeliveries: z.number().int(),
  /** Billing units the agent reported, summed over attempts. */
  usage: z.object({ units: z.number() }).nullable(),
  /** Its proposals of approval-gated actions: how many there are and how many wait for a decision (absent: none yet). */
  approvals: z.object({ pending: z.number().int(), total: z.number().int() }).optional(),
  /** What the run was expected to cost when triggered (domain/charges.ts estimateRun); absent before billing. */
  estimate: z.object({ amountMinor: z.number().int(), currency: z.literal('usd'), basis: z.string() }).nullable().optional(),
  /** The agent's code waits on a request (`ctx.approval.request`): once the run's approvals are decided, a new execution resumes it. */
  suspended: z.boolean().optional(),
  /** Attempts that resumed the run after its requests were decided: not retries, so they do not spend `maxAttempts`. */
  resumes: z.number().int().optional(),
  // Runner and executor bookkeeping (RUN_INTERNAL_FIELDS): stored apart from the run document,
  // in `runs/{id}/internal/runner`, which no client can read; the store joins them back.
  /** Dispatch lease: who is starting this attempt, so a redelivered task does nothing. */
  lease: z.object({ holder: z.string(), until: z.date() }).nullable(),
  executionId: z.string().nullable(),
  /** sha256 of the run-scoped runner session token for the current attempt. */
  runnerTokenHash: z.string().nullable(),
  /**
   * Secret name → the versioned reference dispatch pinned for the current attempt (never a
   * value): what the execution gets and what is redacted, whatever is rotated meanwhile.
   */
  secretRefs: z.record(z.string(), z.string()).optional(),
  /** The current attempt's one-time bootstrap token (its hash), until when it may be exchanged, and when it was. */
  bootstrap: z.object({ hash: z.string(), expiresAt: z.date(), usedAt: z.date().nullable(), nonceHash: z.string().nullable().optional() }).nullable().optional(),
});
export type Run = z.infer<typeof Run>;

/** The fields of a run that only the platform reads: never on the run document members can read. */
export const RUN_INTERNAL_FIELDS = ['lease', 'executionId', 'runnerTokenHash', 'bootstrap', 'secretRefs'] as const satisfies readonly (keyof Run)[];
export type RunInternal = Pick<Run, (typeof RUN_INTERNAL_FIELDS)[number]>;

export const LogChunk = z.object({
  seq: z.number().int().min(0),
  attempt: z.number().int(),
  lines: z.array(LogLine),
  receivedAt: z.date(),
  /** Lines and bytes the attempt stored up to and including this chunk (the log cap). */
  totalLines: z.number().int(),
  totalBytes: z.number().int(),
  /** The attempt hit the log cap at this chunk; nothing after it is stored. */
  truncated: z.boolean().optional(),
});
export type LogChunk = z.infer<typeof LogChunk>;

/** A file an agent attached to its run (a report, a CSV): kept with the run, read through the API. */

export const Artifact = z.object({
  name: ArtifactName,
  contentType: z.string(),
  size: z.number().int(),
  /** `utf8` for text, `base64` for bytes. */
  encoding: z.enum(['utf8', 'base64']),
  content: z.string(),
  attempt: z.number().int(),
  createdAt: z.date(),
});
export type Artifact = z.infer<typeof Artifact>;

export const RunEvent = z.object({
  seq: z.number().int(),
  from: RunState.nullable(),
  to: RunState,
  reason: z.string(),
  attempt: z.number().int(),
  at: z.date(),
});
export type RunEvent = z.infer<typeof RunEvent>;

export const Review = z.object({
  agentId: z.string(),
  uid: z.string(),
  authorName: z.string(),
  rating: z.number().int().min(1).max(5),
  text: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Review = z.infer<typeof Review>;

export interface AgentVersion {
  version: string;
  manifest: unknown;
  yaml: string;
  releaseNotes: string | null;
  publishedAt: Date;
  /** Set by its publisher (docs/publishing.md "Versions"): still installable, with a warning. */
  deprecated?: { at: Date; message: string } | null;
  /** No new installs; installs on it are told to upgrade. */
  yanked?: { at: Date; reason: string } | null;
}
