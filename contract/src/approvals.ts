import { z } from 'zod';
import { Timestamp, UserId } from './common.js';
import { Role } from './roles.js';

/**
 * Human-in-the-loop approvals. An agent's call of an approval-gated action records a proposal
 * (an approval) instead of acting; people decide it level by level under the install's policy;
 * when every proposal of a run is decided or expired, the platform applies the approved ones
 * itself, through the same server-side action path, and the run ends.
 */

/** Who may decide at one level, how many distinct people must approve, and the level's SLA. */
export const ApprovalLevel = z
  .object({
    approvers: z
      .object({
        roles: z.array(Role.exclude(['billing', 'viewer'])).max(4).default([]),
        /** Named members (uids); they must be members of the workspace when they decide. */
        members: z.array(UserId).max(20).default([]),
      })
      .strict()
      .refine((a) => a.roles.length + a.members.length > 0, 'name at least one role or member'),
    /** Distinct people whose approval this level needs. */
    required: z.number().int().min(1).max(5).default(1),
    /** How long the level may wait for a decision. */
    slaMinutes: z.number().int().min(5).max(43_200).default(1440),
    /** When the SLA passes: reject (expire) the proposal, or hand it to the next level. */
    onExpiry: z.enum(['reject', 'escalate']).default('reject'),
  })
  .strict();
export type ApprovalLevel = z.output<typeof ApprovalLevel>;

/** How one gated action (or every action of a risk level) is approved. */
export const ApprovalRule = z
  .object({
    levels: z.array(ApprovalLevel).min(1).max(5),
    /** Whether the run's requester (who triggered it, the member an API key acts for, or the schedule's owner) may approve its proposals. */
    allowRequester: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ApprovalRule' });
export type ApprovalRule = z.output<typeof ApprovalRule>;

/** Keys of an install's policy: a gated action (`vm.stop`) or a risk level (`risk:high`); an action's own rule wins. */
export const ApprovalPolicyKey = z.string().regex(/^(risk:(low|medium|high|critical)|[a-z][a-z0-9.]{0,40}\.[a-z][a-z0-9]{0,40})$/, 'a gated action such as vm.stop, or risk:<level>');

export const ApprovalPolicyIn = z
  .object({ rules: z.record(ApprovalPolicyKey, ApprovalRule).refine((r) => Object.keys(r).length <= 30, 'at most 30 rules') })
  .strict()
  .meta({ id: 'ApprovalPolicyUpdate' });
export type ApprovalPolicyUpdate = z.input<typeof ApprovalPolicyIn>;

export const ApprovalPolicyOut = z
  .object({
    /** The rules in force, by key (the manifest's defaults where the install set none). */
    rules: z.record(z.string(), ApprovalRule),
    /** The manifest's gated actions and their risk, for editors. */
    gated: z.array(z.object({ action: z.string(), risk: z.string(), description: z.string(), rule: z.string() })),
    updatedAt: Timestamp.nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'ApprovalPolicy' });
export type ApprovalPolicy = z.output<typeof ApprovalPolicyOut>;

export const ApprovalState = z.enum(['pending', 'approved', 'rejected', 'expired', 'withdrawn']);
export type ApprovalState = z.infer<typeof ApprovalState>;

/** What an agent may say about a proposal's impact; money in integer minor units. */
export const ApprovalImpact = z
  .object({
    monthlySavings: z.object({ amountMinor: z.number().int().min(0).max(1e12), currency: z.string().regex(/^[A-Z]{3}$/) }).strict().optional(),
    note: z.string().max(500).optional(),
  })
  .strict();

/** What an approver sees of an agent's own request: its key in the run and the details the agent gave. */
export const ApprovalRequestShown = z.object({ key: z.string(), details: z.record(z.string(), z.unknown()) }).strict();

/**
 * An agent asking people before it goes on (`ctx.approval.request`): the run is suspended until
 * the request is decided, and a new execution resumes it, where the same call (same `key`)
 * answers the recorded decision at once. Governed by the install's `risk:<level>` rule.
 */
export const ApprovalRequestIn = z
  .object({
    /** Names the request within the run (the runner numbers unnamed ones in call order: request-1, request-2, ...). */
    key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, 'letters, digits and . _ : - (at most 100)'),
    summary: z.string().trim().min(1).max(300),
    reason: z.string().trim().max(2000).default(''),
    risk: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
    impact: ApprovalImpact.optional(),
    /** Whatever the approver needs to see (JSON, at most 8 KiB). */
    details: z
      .record(z.string(), z.unknown())
      .refine((d) => JSON.stringify(d).length <= 8192, 'details must be at most 8 KiB of JSON')
      .default({}),
  })
  .strict()
  .meta({ id: 'ApprovalRequest' });
export type ApprovalRequestInput = z.input<typeof ApprovalRequestIn>;

export const ApprovalDecision = z
  .object({
    level: z.number().int(),
    by: z.string(),
    byName: z.string().nullable(),
    decision: z.enum(['approve', 'reject']),
    comment: z.string(),
    at: Timestamp,
  })
  .strict();

/** The answer to an agent's request: still pending (the runner suspends the run), or the recorded decision. */
export const ApprovalRequestOut = z
  .object({
    approvalId: z.string(),
    state: ApprovalState,
    /** Decided (approved, rejected, expired or withdrawn): the agent goes on with this answer. */
    decided: z.boolean(),
    approved: z.boolean(),
    decisions: z.array(ApprovalDecision),
  })
  .meta({ id: 'ApprovalRequestAnswer' });
export type ApprovalRequestAnswer = z.output<typeof ApprovalRequestOut>;

export const ApprovalOut = z
  .object({
    id: z.string(),
    runId: z.string(),
    installId: z.string(),
    agentId: z.string(),
    /** The gated action (`vm.stop`) on one resource, with the parameters it will be applied with; null for an agent's own request. */
    action: z.object({ scope: z.string(), kind: z.string(), verb: z.string(), resourceId: z.string(), params: z.record(z.string(), z.unknown()) }).nullable(),
    /** An agent's own question (`ctx.approval.request`): its key in the run and the details it showed; null for a gated action. */
    request: ApprovalRequestShown.nullable(),
    summary: z.string(),
    reason: z.string(),
    risk: z.string(),
    impact: ApprovalImpact.nullable(),
    /** Who triggered the run, the member an API key acts for, or who owns its schedule; null when no person did (a webhook). */
    requester: z.string().nullable(),
    rule: ApprovalRule,
    state: ApprovalState,
    /** The level waiting for decisions (0-based); the last one decided once the approval is final. */
    level: z.number().int(),
    dueAt: Timestamp.nullable(),
    decisions: z.array(ApprovalDecision),
    /** What applying it did, once the run's proposals were all decided. */
    result: z.object({ outcome: z.enum(['applied', 'skipped', 'failed']), reason: z.string().nullable(), at: Timestamp }).nullable(),
    createdAt: Timestamp,
    decidedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Approval' });
export type Approval = z.output<typeof ApprovalOut>;

export const ApprovalsQuery = z
  .object({
    state: ApprovalState.optional(),
    installId: z.string().regex(/^[A-Za-z0-9]{1,64}$/).optional(),
    runId: z.string().regex(/^[A-Za-z0-9]{1,64}$/).optional(),
    limit: z.coerce.number<number>().int().min(1).max(100).default(25),
    cursor: z.string().max(1024).optional(),
  })
  .strict();

export const DecideIn = z
  .object({ decision: z.enum(['approve', 'reject']), comment: z.string().trim().max(2000).default('') })
  .strict()
  .meta({ id: 'Decide' });
export type Decide = z.input<typeof DecideIn>;

/** Bulk decision on a run's pending proposals (all of them, or the listed ones). */
export const DecideRunIn = DecideIn.extend({ approvalIds: z.array(z.string().regex(/^[A-Za-z0-9]{1,64}$/)).min(1).max(100).optional() })
  .strict()
  .meta({ id: 'DecideRun' });

export const DecideRunOut = z
  .object({
    results: z.array(
      z.object({ id: z.string(), ok: z.boolean(), state: ApprovalState.optional(), error: z.object({ code: z.string(), message: z.string() }).optional() }),
    ),
  })
  .meta({ id: 'DecideRunResult' });

/**
 * One record of a workspace's approval log: append-only and hash-chained. `hash` is the
 * SHA-256 (hex) of `prevHash + "\n" + canonical JSON of the record without hash` (keys sorted,
 * no spaces); the first record's prevHash is 64 zeros. `verifyApprovalLog` in the client
 * package checks a chain.
 */
export const AuditRecord = z
  .object({
    seq: z.number().int().min(1),
    at: Timestamp,
    type: z.enum(['requested', 'decided', 'escalated', 'expired', 'withdrawn', 'applied', 'skipped', 'failed']),
    approvalId: z.string(),
    runId: z.string(),
    installId: z.string(),
    actor: z.string(),
    data: z.record(z.string(), z.unknown()),
    prevHash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict()
  .meta({ id: 'ApprovalAuditRecord' });
export type AuditRecord = z.output<typeof AuditRecord>;

export const AuditQuery = z
  .object({ after: z.coerce.number<number>().int().min(0).default(0), limit: z.coerce.number<number>().int().min(1).max(1000).default(500) })
  .strict();

export const AuditOut = z
  .object({
    records: z.array(AuditRecord),
    /** The chain's recorded head: the last seq and hash the platform holds. */
    head: z.object({ seq: z.number().int(), hash: z.string() }),
    /** The server's own check of the returned records (anyone can repeat it with verifyApprovalLog). */
    verification: z.object({ ok: z.boolean(), checked: z.number().int(), brokenAt: z.number().int().nullable(), reason: z.string().nullable() }),
    algorithm: z.string(),
    /** Pass as `after` for the next page; null when the records reach the head. */
    next: z.number().int().nullable(),
  })
  .meta({ id: 'ApprovalAudit' });
export type AuditExport = z.output<typeof AuditOut>;

export { auditHashInput, canonicalJson, GENESIS_HASH } from './auditHash.js';
