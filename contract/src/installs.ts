import { z } from 'zod';
import { SECRET_MIN_LENGTH } from './redaction.js';
import { Timestamp } from './common.js';

/** The install wizard's six steps, in order. */
export const WIZARD_STEPS = ['choose', 'configure', 'connect', 'consent', 'triggers', 'review'] as const;
export const WizardStep = z.enum(WIZARD_STEPS);
export type WizardStep = z.infer<typeof WizardStep>;

export const InstallState = z.enum(['draft', 'active', 'paused', 'uninstalled']);
export type InstallState = z.infer<typeof InstallState>;

export const ApproverRole = z.enum(['approver', 'admin', 'owner']);

/**
 * How an install's runs are run: how many at once, and how failed runs are retried.
 * Kept on the install, copied onto each run when it is created.
 */
export const RunPolicy = z
  .object({
    /** Runs of this install in progress at once; null: only the workspace's plan limit. */
    concurrency: z.number().int().min(1).max(100).nullable(),
    /** Attempts in all, the first included: 1 means never retry. */
    maxAttempts: z.number().int().min(1).max(5),
    /** Wait before the first retry; each further retry waits twice as long (capped at an hour). */
    backoffSeconds: z.number().int().min(1).max(3600),
  })
  .strict()
  .meta({ id: 'RunPolicy' });
export type RunPolicy = z.infer<typeof RunPolicy>;

export const SecretName = z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/, 'an UPPER_SNAKE_CASE secret name');

export const InstallOut = z
  .object({
    id: z.string(),
    agentId: z.string(),
    version: z.string(),
    state: InstallState,
    target: z.enum(['saas']),
    /** The cloud connection the install acts on (docs/cloud-connections.md); null: the sandbox. */
    connection: z.object({ id: z.string(), provider: z.enum(['gcp', 'aws']), account: z.string() }).nullable(),
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
    /** When each wizard step was last saved: a wizard resumes at the first step still needed. */
    steps: z.record(z.string(), Timestamp),
    createdAt: Timestamp,
    createdBy: z.string(),
    updatedAt: Timestamp,
    deployedAt: Timestamp.nullable(),
    deployedBy: z.string().nullable(),
  })
  .meta({ id: 'Install' });
export type Install = z.output<typeof InstallOut>;

export const CreateInstallIn = z
  .object({ agentId: z.string().min(1).max(63), version: z.string().min(1).max(64).optional() })
  .strict()
  .meta({ id: 'CreateInstall' });
export type CreateInstall = z.input<typeof CreateInstallIn>;

export const ChooseIn = z.object({ version: z.string().min(1).max(64) }).strict().meta({ id: 'ChooseVersion' });
export const ConfigureIn = z.object({ config: z.record(z.string(), z.unknown()) }).strict().meta({ id: 'Configure' });
/** Values shorter than SECRET_MIN_LENGTH could not be redacted from run logs without mangling them. */
export const SecretIn = z
  .object({
    value: z
      .string()
      .min(SECRET_MIN_LENGTH, `A secret must be at least ${SECRET_MIN_LENGTH} characters: a shorter value could not be redacted from run logs without mangling them.`)
      .max(64 * 1024),
  })
  .strict()
  .meta({ id: 'SetSecret' });
export const ConsentIn = z.object({ scopes: z.array(z.string().max(100)).max(50) }).strict().meta({ id: 'Consent' });
export const TriggersIn = z
  .object({
    manual: z.boolean().default(true),
    schedules: z.array(z.object({ cron: z.string().max(100), timeZone: z.string().max(64), enabled: z.boolean().optional() }).strict()).max(10).default([]),
    webhook: z.object({ enabled: z.boolean(), rotate: z.boolean().optional() }).strict().default({ enabled: false }),
    approvalPolicy: z.record(z.string(), z.object({ approverRole: ApproverRole, levels: z.number().int().min(1).max(3).optional() }).strict()).optional(),
  })
  .strict()
  .meta({ id: 'Triggers' });
export type Triggers = z.input<typeof TriggersIn>;

export const TriggersOut = InstallOut.extend({ webhookSecret: z.string().nullable() }).meta({ id: 'InstallWithWebhookSecret' });
export type TriggersResult = z.output<typeof TriggersOut>;

export const UpgradeIn = z.object({ version: z.string().min(1).max(64), consent: z.array(z.string().max(100)).max(50).optional() }).strict().meta({ id: 'Upgrade' });

const PermissionLine = z.object({ scope: z.string(), risk: z.string(), reason: z.string() });
export const UpgradeOut = InstallOut.extend({
  permissionDiff: z.object({
    added: z.array(PermissionLine),
    removed: z.array(PermissionLine),
    riskRaised: z.array(z.object({ scope: z.string(), from: z.string(), to: z.string() })),
    newlyGated: z.array(z.string()),
  }),
}).meta({ id: 'UpgradedInstall' });

/** Where an install's version stands (docs/publishing.md "Versions"): deprecated or yanked, and the upgrade on offer. */
export const InstallVersionStatusOut = z
  .object({
    version: z.string(),
    deprecated: z.object({ at: Timestamp, message: z.string() }).nullable(),
    yanked: z.object({ at: Timestamp, reason: z.string() }).nullable(),
    /** The catalog's latest installable version; null if the agent left the catalog. */
    latest: z.string().nullable(),
    /** The latest version when it is newer (or this one is yanked), with what it would change. */
    upgrade: z.object({ version: z.string(), permissionDiff: UpgradeOut.shape.permissionDiff }).nullable(),
    /** The version is yanked: the install keeps running it, and should upgrade. */
    mustUpgrade: z.boolean(),
  })
  .meta({ id: 'InstallVersionStatus' });
export type InstallVersionStatus = z.output<typeof InstallVersionStatusOut>;

export const InstallReviewOut = z
  .object({
    install: InstallOut,
    agent: z.object({
      id: z.string(),
      name: z.string(),
      version: z.string(),
      pricing: z.record(z.string(), z.unknown()),
      permissionsByRisk: z.record(z.string(), z.unknown()),
    }),
    readiness: z.object({ ready: z.boolean(), missing: z.array(z.object({ step: z.string(), code: z.string(), message: z.string() })) }),
    nextFires: z.array(z.object({ id: z.string(), times: z.array(Timestamp) })),
  })
  .meta({ id: 'InstallReview' });
export type InstallReview = z.output<typeof InstallReviewOut>;
