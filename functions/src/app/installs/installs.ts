import { AppError, notFound } from '../../domain/errors.js';
import { memoryPurgeAt } from '../../domain/memory/retention.js';
import { consentMatches, permissionDiff, readiness, type WizardStep } from '../../domain/install.js';
import { validateAgainst } from '../../domain/jsonSchema.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Install } from '../../domain/models.js';
import type { RunPolicy } from '../../domain/runPolicy.js';
import { runRefusal } from '../../domain/runnable.js';
import { compareVersionsDesc } from '../../domain/versions.js';
import { isPaid } from '../../domain/billingAccount.js';
import { syncAgentItemsAfterChange } from '../billing/agentItems.js';
import { getAgent } from '../catalog/catalog.js';
import type { Deps } from '../deps.js';
import { cancelPendingRuns } from '../runs/cancelPending.js';
import type { PageRequest } from '../shared/paging.js';
import type { InstallChange } from './ports.js';
import { actorId, type WorkspaceAccess } from '../shared/principal.js';
import { syncSchedules } from '../schedules/schedules.js';
import { newId, newSecret } from '../shared/credentials.js';

/**
 * Installs and the six-step wizard: choose → configure → connect → consent → triggers →
 * review/deploy. A draft is saved after every step, so a wizard can be left and resumed; every
 * step also works on a deployed install (change config, rotate a secret, edit triggers).
 */
type InstallDeps = Pick<Deps, 'catalog' | 'installs' | 'clock' | 'secrets' | 'schedules' | 'runs' | 'billing' | 'workspaces'>;

/** Runs after a change to an install's triggers or state: its schedule entries follow. */
async function synced(deps: InstallDeps, install: Install): Promise<Install> {
  await syncSchedules(deps, install);
  return install;
}

/**
 * The store name of an install's webhook signing key. Lower case with dashes, so it can never
 * be a manifest secret name (UPPER_SNAKE_CASE) and collide with one in the same scope.
 */
export const WEBHOOK_SECRET = 'platform-webhook-key';

export async function getInstall(deps: Pick<Deps, 'installs'>, wsId: string, installId: string): Promise<Install> {
  const install = await deps.installs.get(wsId, installId);
  if (!install || install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
  return install;
}

export function listInstalls(deps: Pick<Deps, 'installs'>, wsId: string, page: PageRequest) {
  return deps.installs.list(wsId, page);
}

async function manifestOf(deps: Pick<Deps, 'catalog'>, agentId: string, version: string): Promise<Manifest> {
  const manifest = await deps.catalog.getVersion(agentId, version);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', `Version ${version} of ${agentId} does not exist.`);
  return manifest;
}

/** A version an install may move to: published and not yanked (an install already on a yanked version keeps running it). */
async function installableManifestOf(deps: Pick<Deps, 'catalog'>, agentId: string, version: string): Promise<Manifest> {
  const doc = await deps.catalog.getVersionDoc(agentId, version);
  if (doc?.yanked) {
    throw new AppError('conflict', 'agent_version_yanked', `${agentId}@${version} was yanked by its publisher (${doc.yanked.reason}); choose another version.`);
  }
  return manifestOf(deps, agentId, version);
}

/**
 * Where an install's version stands: deprecated or yanked by its publisher, and the upgrade
 * on offer (the catalog's latest installable version) with its permission diff. An install
 * on a yanked version is told to upgrade; it keeps running what it has until it does.
 */
export async function installVersionStatus(deps: Pick<Deps, 'catalog' | 'installs'>, wsId: string, installId: string) {
  const install = await getInstall(deps, wsId, installId);
  const [doc, listing] = await Promise.all([deps.catalog.getVersionDoc(install.agentId, install.version), deps.catalog.getListing(install.agentId)]);
  const latest = listing?.state === 'published' ? listing.latestVersion : null;
  let upgrade: { version: string; permissionDiff: ReturnType<typeof permissionDiff> } | null = null;
  if (latest && latest !== install.version) {
    const latestDoc = await deps.catalog.getVersionDoc(install.agentId, latest);
    const newer = compareVersionsDesc(latest, install.version) < 0;
    if (latestDoc && !latestDoc.yanked && (newer || doc?.yanked)) {
      upgrade = { version: latest, permissionDiff: permissionDiff(await manifestOf(deps, install.agentId, install.version), await manifestOf(deps, install.agentId, latest)) };
    }
  }
  return {
    version: install.version,
    deprecated: doc?.deprecated ?? null,
    yanked: doc?.yanked ?? null,
    latest,
    upgrade,
    mustUpgrade: Boolean(doc?.yanked),
  };
}

function defaultPolicy(manifest: Manifest, current: Install['approvalPolicy'] = {}): Install['approvalPolicy'] {
  const out: Install['approvalPolicy'] = {};
  for (const a of manifest.approvals) out[a.action] = current[a.action] ?? { approverRole: 'approver', levels: a.levels };
  return out;
}

/** Step 1: a draft install of a published agent (latest version unless one is named). */
export async function startInstall(
  deps: InstallDeps,
  access: WorkspaceAccess,
  input: { agentId: string; version?: string | undefined },
  /** The install's id; `resumed`: an earlier attempt of this request may have created it (it is then answered again). */
  creation: { id: string; resumed: boolean } = { id: newId(), resumed: false },
): Promise<Install> {
  if (creation.resumed) {
    const earlier = await deps.installs.get(access.wsId, creation.id);
    if (earlier) return earlier;
  }
  const { listing } = await getAgent(deps, input.agentId);
  const version = input.version ?? listing.latestVersion;
  const manifest = await installableManifestOf(deps, listing.id, version);
  const now = deps.clock.now();
  const install: Install = {
    id: creation.id,
    wsId: access.wsId,
    agentId: listing.id,
    version,
    state: 'draft',
    target: 'saas',
    config: {},
    secrets: {},
    consent: null,
    triggers: { manual: true, schedules: [], webhook: { enabled: false, secretRef: null } },
    approvalPolicy: defaultPolicy(manifest),
    steps: { choose: now },
    createdBy: actorId(access.principal),
    createdAt: now,
    updatedAt: now,
    deployedAt: null,
    deployedBy: null,
  };
  try {
    await deps.installs.create(install);
  } catch (err) {
    // The id is this request's: an attempt racing this one (past its lease) created it first.
    const earlier = await deps.installs.get(access.wsId, install.id);
    if (!earlier) throw err;
    return earlier;
  }
  return install;
}

function editable(install: Install, step: WizardStep): void {
  if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
  if (step === 'choose' && install.state !== 'draft') {
    throw new AppError('conflict', 'install_deployed', 'This install is deployed: upgrade it to change its version.');
  }
}

const saved = (install: Install, step: WizardStep, now: Date, patch: Partial<Install>): InstallChange => ({
  next: { ...install, ...patch, steps: { ...install.steps, [step]: now }, updatedAt: now },
});

/** Step 1 again: another version while still a draft; consent must then be given again. */
export async function chooseVersion(deps: InstallDeps, access: WorkspaceAccess, installId: string, input: { version: string }): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await installableManifestOf(deps, current.agentId, input.version);
  const now = deps.clock.now();
  return deps.installs.update(access.wsId, installId, (install) => {
    editable(install, 'choose');
    return saved(install, 'choose', now, {
      version: input.version,
      consent: install.consent && consentMatches(install.consent, manifest) ? install.consent : null,
      approvalPolicy: defaultPolicy(manifest, install.approvalPolicy),
    });
  });
}

/** Step 2: configuration, validated against the manifest's config schema. */
export async function configure(deps: InstallDeps, access: WorkspaceAccess, installId: string, input: { config: Record<string, unknown> }): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  const issues = validateAgainst(manifest.config, input.config, 'body.config');
  if (issues.length > 0) {
    throw new AppError('invalid', 'config_invalid', `The config does not match ${manifest.id}'s config schema: ${issues[0]!.path} ${issues[0]!.message}`, { issues });
  }
  const now = deps.clock.now();
  return deps.installs.update(access.wsId, installId, (install) => {
    editable(install, 'configure');
    if (install.version !== current.version) throw new AppError('conflict', 'install_changed', 'The install changed meanwhile; retry.');
    return saved(install, 'configure', now, { config: input.config });
  });
}

/** Step 3: a secret value goes to the secret store; the install keeps only its reference. */
export async function setSecret(deps: InstallDeps, access: WorkspaceAccess, installId: string, name: string, value: string): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  if (!manifest.secrets.some((s) => s.name === name)) {
    throw new AppError('not_found', 'secret_unknown', `${manifest.id} does not use a secret named ${name}.`);
  }
  const ref = await deps.secrets.put({ wsId: access.wsId, installId }, name, value);
  const now = deps.clock.now();
  return deps.installs.update(access.wsId, installId, (install) => {
    editable(install, 'connect');
    return saved(install, 'connect', now, { secrets: { ...install.secrets, [name]: { ref, setAt: now, setBy: actorId(access.principal) } } });
  });
}

export async function removeSecret(deps: InstallDeps, access: WorkspaceAccess, installId: string, name: string): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  const declared = manifest.secrets.find((s) => s.name === name);
  if (!declared || !current.secrets[name]) throw new AppError('not_found', 'secret_unknown', `No secret ${name} is set on this install.`);
  if (declared.required && current.state !== 'draft') {
    throw new AppError('conflict', 'secret_required', `${name} is required while the install is deployed; replace it instead.`);
  }
  const now = deps.clock.now();
  const next = await deps.installs.update(access.wsId, installId, (install) => {
    editable(install, 'connect');
    const { [name]: _removed, ...rest } = install.secrets;
    return saved(install, 'connect', now, { secrets: rest });
  });
  await deps.secrets.delete(current.secrets[name].ref);
  return next;
}

/** Step 4: explicit consent to exactly the permissions of the chosen version. */
export async function giveConsent(deps: InstallDeps, access: WorkspaceAccess, installId: string, input: { scopes: string[] }): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  const expected = manifest.permissions.map((p) => p.scope);
  const consent = { scopes: [...input.scopes].sort(), version: manifest.version, acceptedBy: actorId(access.principal), acceptedAt: deps.clock.now() };
  if (!consentMatches(consent, manifest)) {
    throw new AppError('conflict', 'consent_mismatch', `Consent must list exactly the permissions of ${manifest.id}@${manifest.version}: ${expected.join(', ') || '(none)'}.`);
  }
  return deps.installs.update(access.wsId, installId, (install) => {
    editable(install, 'consent');
    if (install.version !== current.version) throw new AppError('conflict', 'install_changed', 'The version changed meanwhile; review the permissions again.');
    return saved(install, 'consent', consent.acceptedAt, { consent });
  });
}

export interface TriggersInput {
  manual: boolean;
  schedules: { cron: string; timeZone: string; enabled?: boolean | undefined }[];
  webhook: { enabled: boolean; rotate?: boolean | undefined };
  approvalPolicy?: Record<string, { approverRole: 'approver' | 'admin' | 'owner'; levels?: number | undefined }> | undefined;
}

/** Step 5: how runs start (manual, schedules, a signed webhook) and who approves gated actions. */
export async function setTriggers(
  deps: InstallDeps,
  access: WorkspaceAccess,
  installId: string,
  input: TriggersInput,
): Promise<{ install: Install; webhookSecret: string | null }> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  // The cron library (and its date library) loads only when schedules are edited or reviewed.
  const { CronSchedule } = await import('../../domain/schedule.js');
  const schedules = input.schedules.map((s) => {
    const parsed = CronSchedule.parse({ cron: s.cron, timeZone: s.timeZone });
    return { id: newId(8), cron: parsed.cron, timeZone: parsed.timeZone, enabled: s.enabled ?? true };
  });
  const gated = manifest.approvals.map((a) => a.action);
  const policy = defaultPolicy(manifest, current.approvalPolicy);
  for (const [action, rule] of Object.entries(input.approvalPolicy ?? {})) {
    if (!gated.includes(action)) {
      throw new AppError('invalid', 'approval_policy_invalid', `${action} is not an approval-gated action of ${manifest.id}; gated: ${gated.join(', ') || '(none)'}.`);
    }
    policy[action] = { approverRole: rule.approverRole, levels: rule.levels ?? manifest.approvals.find((a) => a.action === action)!.levels };
  }
  let webhookSecret: string | null = null;
  let secretRef = current.triggers.webhook.secretRef;
  if (input.webhook.enabled && (!secretRef || input.webhook.rotate)) {
    webhookSecret = `whsec_${newSecret()}`;
    secretRef = await deps.secrets.put({ wsId: access.wsId, installId }, WEBHOOK_SECRET, webhookSecret);
  }
  const now = deps.clock.now();
  const install = await deps.installs.update(access.wsId, installId, (i) => {
    editable(i, 'triggers');
    return saved(i, 'triggers', now, {
      triggers: { manual: input.manual, schedules, webhook: { enabled: input.webhook.enabled, secretRef: input.webhook.enabled ? secretRef : i.triggers.webhook.secretRef } },
      approvalPolicy: policy,
    });
  });
  return { install: await synced(deps, install), webhookSecret };
}

/** Step 6: everything at a glance, with what is still missing and the next schedule fires. */
export async function reviewInstall(deps: InstallDeps, wsId: string, installId: string) {
  const install = await getInstall(deps, wsId, installId);
  const manifest = await manifestOf(deps, install.agentId, install.version);
  const now = deps.clock.now();
  const { nextFireTimes } = await import('../../domain/schedule.js');
  return {
    install,
    manifest,
    readiness: readiness(install, manifest),
    nextFires: install.triggers.schedules.map((s) => ({ id: s.id, times: s.enabled ? nextFireTimes(s, now, 5) : [] })),
  };
}

/** Step 6: draft → active, exactly once even when two deploys race. */
export async function deployInstall(deps: InstallDeps, access: WorkspaceAccess, installId: string): Promise<Install> {
  const current = await getInstall(deps, access.wsId, installId);
  const manifest = await manifestOf(deps, current.agentId, current.version);
  const now = deps.clock.now();
  const deployed = await deps.installs.update(access.wsId, installId, (install) => {
    if (install.state !== 'draft') throw new AppError('conflict', 'already_deployed', 'This install is already deployed.');
    if (install.version !== manifest.version) throw new AppError('conflict', 'install_changed', 'The install changed meanwhile; review it again.');
    const ready = readiness(install, manifest);
    if (!ready.ready) {
      throw new AppError('precondition', 'install_incomplete', `The install is not ready: ${ready.missing.map((m) => m.message).join(' ')}`, {
        issues: ready.missing.map((m) => ({ path: m.step, message: m.message, code: m.code })),
      });
    }
    return {
      next: { ...install, state: 'active', steps: { ...install.steps, review: now }, deployedAt: now, deployedBy: actorId(access.principal), updatedAt: now },
      installCountDelta: 1,
    };
  });
  // A paid agent adds its item to the workspace's subscription (app/billing/agentItems.ts).
  if (isPaid(manifest.pricing)) await syncAgentItemsAfterChange(deps, access.wsId);
  return synced(deps, deployed);
}

export async function setPaused(deps: InstallDeps, access: WorkspaceAccess, installId: string, paused: boolean): Promise<Install> {
  const now = deps.clock.now();
  const next = await deps.installs.update(access.wsId, installId, (install) => {
    if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
    if (install.state === 'draft') throw new AppError('precondition', 'install_not_deployed', 'Deploy the install first.');
    return { next: { ...install, state: paused ? 'paused' : 'active', updatedAt: now } };
  });
  // Paused means nothing of it runs: what waits in the queue (retries too) ends canceled.
  if (paused) await cancelPendingRuns(deps, access.wsId, installId, runRefusal(next, null)!);
  return synced(deps, next);
}

/** How the install's runs run: concurrency and retries (draft or deployed; applies to runs created after). */
export async function setRunPolicy(deps: InstallDeps, access: WorkspaceAccess, installId: string, policy: RunPolicy): Promise<Install> {
  const now = deps.clock.now();
  return deps.installs.update(access.wsId, installId, (install) => {
    if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
    return { next: { ...install, runPolicy: policy, updatedAt: now } };
  });
}

/** A newer (or older) version; permissions that grow need fresh consent in the same call. */
export async function upgradeInstall(
  deps: InstallDeps,
  access: WorkspaceAccess,
  installId: string,
  input: { version: string; consent?: string[] | undefined },
) {
  const current = await getInstall(deps, access.wsId, installId);
  if (current.state === 'draft') throw new AppError('precondition', 'install_not_deployed', 'Choose the version of a draft in its first step.');
  const from = await manifestOf(deps, current.agentId, current.version);
  const to = await installableManifestOf(deps, current.agentId, input.version);
  const diff = permissionDiff(from, to);
  const now = deps.clock.now();
  let consent = current.consent && consentMatches(current.consent, to) ? { ...current.consent, version: to.version } : null;
  if (!consent && !diff.needsConsent) {
    consent = { scopes: to.permissions.map((p) => p.scope).sort(), version: to.version, acceptedBy: current.consent?.acceptedBy ?? actorId(access.principal), acceptedAt: now };
  }
  if (!consent) {
    const given = { scopes: [...(input.consent ?? [])].sort(), version: to.version, acceptedBy: actorId(access.principal), acceptedAt: now };
    if (!consentMatches(given, to)) {
      throw new AppError('conflict', 'consent_required', `${to.id}@${to.version} asks for more: ${[...diff.added.map((p) => `${p.scope} (${p.risk})`), ...diff.riskRaised.map((r) => `${r.scope} now ${r.to}`)].join(', ')}. Send consent with exactly its permissions.`);
    }
    consent = given;
  }
  const configIssues = validateAgainst(to.config, current.config, 'config');
  if (configIssues.length > 0) {
    throw new AppError('precondition', 'config_invalid', `The current config does not fit ${to.id}@${to.version}: ${configIssues[0]!.path} ${configIssues[0]!.message}`, { issues: configIssues });
  }
  const missingSecret = to.secrets.find((s) => s.required && !current.secrets[s.name]);
  if (missingSecret) throw new AppError('precondition', 'secret_missing', `${to.id}@${to.version} requires the secret ${missingSecret.name}; set it first.`);
  const install = await deps.installs.update(access.wsId, installId, (i) => {
    if (i.version !== current.version || i.state === 'uninstalled') throw new AppError('conflict', 'install_changed', 'The install changed meanwhile; retry.');
    return { next: { ...i, version: to.version, consent, approvalPolicy: defaultPolicy(to, i.approvalPolicy), updatedAt: now } };
  });
  // Another version may bill at another price.
  if (isPaid(from.pricing) || isPaid(to.pricing)) await syncAgentItemsAfterChange(deps, access.wsId);
  return { install, diff };
}

/** Removes the install: secret values are deleted, run history is kept, agent memory is purged after a grace period. */
export async function uninstall(deps: InstallDeps, access: WorkspaceAccess, installId: string): Promise<Install> {
  const now = deps.clock.now();
  const removed = await deps.installs.update(access.wsId, installId, (install) => {
    if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
    const counted = install.state === 'active' || install.state === 'paused';
    return {
      // Its agent memory outlives it by a grace period, then the retention sweep purges it (app/memory/sweepMemory.ts).
      next: { ...install, state: 'uninstalled', secrets: {}, triggers: { ...install.triggers, webhook: { enabled: false, secretRef: null } }, updatedAt: now, memoryPurgeAt: memoryPurgeAt(now) },
      installCountDelta: counted ? -1 : 0,
    };
  });
  await cancelPendingRuns(deps, access.wsId, installId, runRefusal(removed, null)!);
  await deps.secrets.deleteAll({ wsId: access.wsId, installId });
  // Its subscription item goes (a no-op for a free agent or a workspace without a subscription).
  await syncAgentItemsAfterChange(deps, access.wsId);
  return synced(deps, removed);
}
