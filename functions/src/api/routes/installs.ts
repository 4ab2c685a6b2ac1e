import { z } from 'zod';
import {
  chooseVersion,
  configure,
  deployInstall,
  getInstall,
  giveConsent,
  listInstalls,
  removeSecret,
  reviewInstall,
  setPaused,
  setRunPolicy,
  setSecret,
  setTriggers,
  startInstall,
  uninstall,
  upgradeInstall,
} from '../../app/installs.js';
import { manifestView } from '../../app/catalog.js';
import type { Install } from '../../domain/models.js';
import { DEFAULT_RUN_POLICY } from '../../domain/runPolicy.js';
import { defineRoute } from '../route.js';
import { ChooseIn, ConfigureIn, ConsentIn, CreateInstallIn, Id, InstallOut, PageQuery, pageOf, RunPolicyIn, SecretIn, TriggersIn, UpgradeIn } from '../schemas.js';

const WsParams = z.object({ wsId: Id }).strict();
const InstallParams = z.object({ wsId: Id, installId: Id }).strict();
const SecretParams = InstallParams.extend({ name: z.string().regex(/^[A-Z][A-Z0-9_]{1,62}$/, 'an UPPER_SNAKE_CASE secret name') }).strict();
const manage = { kind: 'workspace', permission: 'installs.manage', apiKeys: false } as const;

/** What clients see of an install: secret names and times, never references or values. */
export function installView(i: Install) {
  return {
    ...i,
    runPolicy: i.runPolicy ?? DEFAULT_RUN_POLICY,
    secrets: Object.entries(i.secrets).map(([name, s]) => ({ name, setAt: s.setAt, setBy: s.setBy })),
    triggers: {
      manual: i.triggers.manual,
      schedules: i.triggers.schedules,
      webhook: { enabled: i.triggers.webhook.enabled, url: i.triggers.webhook.enabled ? `/v1/hooks/${i.wsId}/${i.id}` : null },
    },
  };
}

const ok = (install: Install) => ({ body: installView(install) });

export const installRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/installs',
    operationId: 'listInstalls',
    summary: 'Agents installed (or being installed) in the workspace',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.read' },
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(InstallOut), description: 'A page of installs' },
    handler: async ({ deps, params, query }) => {
      const page = await listInstalls(deps, params.wsId, query);
      return { body: { items: page.items.filter((i) => i.state !== 'uninstalled').map(installView), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs',
    operationId: 'startInstall',
    summary: 'Wizard step 1 (choose): start a draft install of a published agent',
    tags: ['installs'],
    access: manage,
    params: WsParams,
    body: CreateInstallIn,
    idempotent: true,
    response: { status: 201, schema: InstallOut, description: 'The draft install' },
    handler: async ({ deps, access, body }) => {
      const install = await startInstall(deps, access!, body);
      return { body: installView(install), headers: { Location: `/v1/workspaces/${install.wsId}/installs/${install.id}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/installs/:installId',
    operationId: 'getInstall',
    summary: 'An install',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.read' },
    params: InstallParams,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, params }) => ok(await getInstall(deps, params.wsId, params.installId)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/version',
    operationId: 'chooseVersion',
    summary: 'Wizard step 1 (choose): pick another version of a draft',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: ChooseIn,
    response: { status: 200, schema: InstallOut, description: 'The draft' },
    handler: async ({ deps, access, params, body }) => ok(await chooseVersion(deps, access!, params.installId, body)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/config',
    operationId: 'configureInstall',
    summary: "Wizard step 2 (configure): the config, validated against the manifest's config schema",
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: ConfigureIn,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params, body }) => ok(await configure(deps, access!, params.installId, body)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/secrets/:name',
    operationId: 'setInstallSecret',
    summary: 'Wizard step 3 (connect): set a secret; write-only, the value is never returned',
    tags: ['installs'],
    access: manage,
    params: SecretParams,
    body: SecretIn,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params, body }) => ok(await setSecret(deps, access!, params.installId, params.name, body.value)),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/workspaces/:wsId/installs/:installId/secrets/:name',
    operationId: 'removeInstallSecret',
    summary: 'Remove an optional secret (its value is deleted)',
    tags: ['installs'],
    access: manage,
    params: SecretParams,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params }) => ok(await removeSecret(deps, access!, params.installId, params.name)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/consent',
    operationId: 'consentInstall',
    summary: "Wizard step 4 (consent): accept exactly the version's permissions; who and when are recorded",
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: ConsentIn,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params, body }) => ok(await giveConsent(deps, access!, params.installId, body)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/triggers',
    operationId: 'setInstallTriggers',
    summary: 'Wizard step 5 (triggers and approvals): manual, schedules, signed webhook, approval policy',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: TriggersIn,
    response: {
      status: 200,
      schema: InstallOut.extend({ webhookSecret: z.string().nullable() }),
      description: 'The install; a new webhook signing secret appears here once',
    },
    handler: async ({ deps, access, params, body }) => {
      const { install, webhookSecret } = await setTriggers(deps, access!, params.installId, body);
      return { body: { ...installView(install), webhookSecret } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/installs/:installId/review',
    operationId: 'reviewInstall',
    summary: 'Wizard step 6 (review): the whole install, what is missing, pricing and the next schedule fires',
    tags: ['installs'],
    access: { kind: 'workspace', permission: 'installs.read' },
    params: InstallParams,
    response: {
      status: 200,
      schema: z.object({
        install: InstallOut,
        agent: z.object({ id: z.string(), name: z.string(), version: z.string(), pricing: z.record(z.string(), z.unknown()), permissionsByRisk: z.record(z.string(), z.unknown()) }),
        readiness: z.object({ ready: z.boolean(), missing: z.array(z.object({ step: z.string(), code: z.string(), message: z.string() })) }),
        nextFires: z.array(z.object({ id: z.string(), times: z.array(z.iso.datetime()) })),
      }),
      description: 'The review',
    },
    handler: async ({ deps, params }) => {
      const r = await reviewInstall(deps, params.wsId, params.installId);
      const view = manifestView(r.manifest);
      return {
        body: {
          install: installView(r.install),
          agent: { id: r.manifest.id, name: r.manifest.name, version: r.manifest.version, pricing: r.manifest.pricing, permissionsByRisk: view.permissionsByRisk },
          readiness: r.readiness,
          nextFires: r.nextFires,
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs/:installId/deploy',
    operationId: 'deployInstall',
    summary: 'Wizard step 6 (deploy): make a complete draft active on the managed target',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    response: { status: 200, schema: InstallOut, description: 'The active install' },
    errors: [409, 412],
    handler: async ({ deps, access, params }) => ok(await deployInstall(deps, access!, params.installId)),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/workspaces/:wsId/installs/:installId/run-policy',
    operationId: 'setInstallRunPolicy',
    summary: "How the install's runs run: runs at once (null: only the plan's limit), attempts per run, retry backoff",
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: RunPolicyIn,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params, body }) => ok(await setRunPolicy(deps, access!, params.installId, body)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs/:installId/pause',
    operationId: 'pauseInstall',
    summary: 'Pause: no new runs start',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params }) => ok(await setPaused(deps, access!, params.installId, true)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs/:installId/resume',
    operationId: 'resumeInstall',
    summary: 'Resume a paused install',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    response: { status: 200, schema: InstallOut, description: 'The install' },
    handler: async ({ deps, access, params }) => ok(await setPaused(deps, access!, params.installId, false)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/installs/:installId/upgrade',
    operationId: 'upgradeInstall',
    summary: 'Move to another version; permissions that grow need consent in the same call',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    body: UpgradeIn,
    response: {
      status: 200,
      schema: InstallOut.extend({
        permissionDiff: z.object({
          added: z.array(z.object({ scope: z.string(), risk: z.string(), reason: z.string() })),
          removed: z.array(z.object({ scope: z.string(), risk: z.string(), reason: z.string() })),
          riskRaised: z.array(z.object({ scope: z.string(), from: z.string(), to: z.string() })),
          newlyGated: z.array(z.string()),
        }),
      }),
      description: 'The upgraded install and what changed',
    },
    errors: [409, 412],
    handler: async ({ deps, access, params, body }) => {
      const { install, diff } = await upgradeInstall(deps, access!, params.installId, body);
      return { body: { ...installView(install), permissionDiff: diff } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/workspaces/:wsId/installs/:installId',
    operationId: 'uninstall',
    summary: 'Uninstall: secret values are deleted; run history is kept',
    tags: ['installs'],
    access: manage,
    params: InstallParams,
    response: { status: 204, schema: z.undefined(), description: 'Uninstalled' },
    handler: async ({ deps, access, params }) => {
      await uninstall(deps, access!, params.installId);
      return { status: 204, body: undefined };
    },
  }),
];
