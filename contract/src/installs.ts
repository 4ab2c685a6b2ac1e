import { z } from 'zod';
import { Id, PageQuery, pageOf, Timestamp } from './common.js';
import { endpoint } from './endpoint.js';

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
export const SecretIn = z.object({ value: z.string().min(1).max(64 * 1024) }).strict().meta({ id: 'SetSecret' });
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

const WsParams = z.object({ wsId: Id }).strict();
const InstallParams = z.object({ wsId: Id, installId: Id }).strict();
const SecretParams = InstallParams.extend({ name: SecretName }).strict();
const manage = { kind: 'workspace', permission: 'installs.manage', apiKeys: false } as const;
const read = { kind: 'workspace', permission: 'installs.read' } as const;
const tags = ['installs'];
const installed = (description: string) => ({ status: 200, schema: InstallOut, description });

export const installEndpoints = {
  listInstalls: endpoint('listInstalls', {
    summary: 'Agents installed (or being installed) in the workspace',
    tags,
    access: read,
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(InstallOut), description: 'A page of installs' },
  }),
  startInstall: endpoint('startInstall', {
    summary: 'Wizard step 1 (choose): start a draft install of a published agent',
    tags,
    access: manage,
    params: WsParams,
    body: CreateInstallIn,
    response: { status: 201, schema: InstallOut, description: 'The draft install' },
  }),
  getInstall: endpoint('getInstall', { summary: 'An install', tags, access: read, params: InstallParams, response: installed('The install') }),
  chooseVersion: endpoint('chooseVersion', {
    summary: 'Wizard step 1 (choose): pick another version of a draft',
    tags,
    access: manage,
    params: InstallParams,
    body: ChooseIn,
    response: installed('The draft'),
  }),
  configureInstall: endpoint('configureInstall', {
    summary: "Wizard step 2 (configure): the config, validated against the manifest's config schema",
    tags,
    access: manage,
    params: InstallParams,
    body: ConfigureIn,
    response: installed('The install'),
  }),
  setInstallSecret: endpoint('setInstallSecret', {
    summary: 'Wizard step 3 (connect): set a secret; write-only, the value is never returned',
    tags,
    access: manage,
    params: SecretParams,
    body: SecretIn,
    response: installed('The install'),
  }),
  removeInstallSecret: endpoint('removeInstallSecret', {
    summary: 'Remove an optional secret (its value is deleted)',
    tags,
    access: manage,
    params: SecretParams,
    response: installed('The install'),
  }),
  consentInstall: endpoint('consentInstall', {
    summary: "Wizard step 4 (consent): accept exactly the version's permissions; who and when are recorded",
    tags,
    access: manage,
    params: InstallParams,
    body: ConsentIn,
    response: installed('The install'),
  }),
  setInstallTriggers: endpoint('setInstallTriggers', {
    summary: 'Wizard step 5 (triggers and approvals): manual, schedules, signed webhook, approval policy',
    tags,
    access: manage,
    params: InstallParams,
    body: TriggersIn,
    response: { status: 200, schema: TriggersOut, description: 'The install; a new webhook signing secret appears here once' },
  }),
  reviewInstall: endpoint('reviewInstall', {
    summary: 'Wizard step 6 (review): the whole install, what is missing, pricing and the next schedule fires',
    tags,
    access: read,
    params: InstallParams,
    response: { status: 200, schema: InstallReviewOut, description: 'The review' },
  }),
  deployInstall: endpoint('deployInstall', {
    summary: 'Wizard step 6 (deploy): make a complete draft active on the managed target',
    tags,
    access: manage,
    params: InstallParams,
    response: installed('The active install'),
    errors: [409, 412],
  }),
  setInstallRunPolicy: endpoint('setInstallRunPolicy', {
    summary: "How the install's runs run: runs at once (null: only the plan's limit), attempts per run, retry backoff",
    tags,
    access: manage,
    params: InstallParams,
    body: RunPolicy,
    response: installed('The install'),
  }),
  pauseInstall: endpoint('pauseInstall', { summary: 'Pause: no new runs start', tags, access: manage, params: InstallParams, response: installed('The install') }),
  resumeInstall: endpoint('resumeInstall', { summary: 'Resume a paused install', tags, access: manage, params: InstallParams, response: installed('The install') }),
  upgradeInstall: endpoint('upgradeInstall', {
    summary: 'Move to another version; permissions that grow need consent in the same call',
    tags,
    access: manage,
    params: InstallParams,
    body: UpgradeIn,
    response: { status: 200, schema: UpgradeOut, description: 'The upgraded install and what changed' },
    errors: [409, 412],
  }),
  uninstall: endpoint('uninstall', {
    summary: 'Uninstall: secret values are deleted; run history is kept',
    tags,
    access: manage,
    params: InstallParams,
    response: { status: 204, schema: z.undefined(), description: 'Uninstalled' },
  }),
};
