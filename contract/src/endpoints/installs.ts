import { z } from 'zod';
import { InstallId, PageQuery, pageOf, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { ChooseIn, ConfigureIn, ConsentIn, CreateInstallIn, InstallOut, InstallReviewOut, InstallVersionStatusOut, RunPolicy, SecretIn, SecretName, TriggersIn, TriggersOut, UpgradeIn, UpgradeOut } from '../installs.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const InstallParams = z.object({ wsId: WorkspaceId, installId: InstallId }).strict();
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
  getInstallVersionStatus: endpoint('getInstallVersionStatus', {
    summary: "Whether the install's version is deprecated or yanked, and the upgrade on offer with its permission diff",
    tags,
    access: read,
    params: InstallParams,
    response: { status: 200, schema: InstallVersionStatusOut, description: 'The version status' },
  }),
  uninstall: endpoint('uninstall', {
    summary: 'Uninstall: secret values are deleted; run history is kept',
    tags,
    access: manage,
    params: InstallParams,
    response: { status: 204, schema: z.undefined(), description: 'Uninstalled' },
  }),
};
