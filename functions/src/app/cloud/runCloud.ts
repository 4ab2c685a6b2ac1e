import { matchesCloudFilter, type CloudListFilter, type CloudResource } from '@agent-marketplace/contract/cloud';
import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import type { Install, Run } from '../../domain/models.js';
import { checkSandboxAction } from '../../domain/sandboxPolicy.js';
import { proposeAction } from '../approvals/proposals.js';
import type { Deps } from '../deps.js';
import { liveRunAndManifest } from '../runs/liveRun.js';
import type { SandboxActionRequest } from '../sandbox/sandbox.js';
import { credentialGrantOf, requireRead, resourceBasis, targetOf, withRunCredential } from './cloudCalls.js';
import type { CloudProviderApi, ConnectionTarget, CredentialGrant } from './ports.js';

/**
 * The runner API's calls on a connected cloud (docs/cloud-connections.md). The runner is
 * untrusted: every call is checked here against the manifest and the install's consent, and
 * performed by the platform with the run's credential, which never leaves the platform.
 */
type Runner = { wsId: string; runId: string; run?: Run };
export type RunCloudDeps = Pick<Deps, 'runs' | 'catalog' | 'installs' | 'connections' | 'cloudProviders' | 'clock'>;

interface RunCloud {
  run: Run;
  manifest: Manifest;
  install: Install;
  /** The scopes this run may use: the manifest's, as the install consented to them. */
  scopes: string[];
  api: CloudProviderApi;
  target: ConnectionTarget;
  grant: CredentialGrant;
  session: { runId: string; wsId: string; attempt: number };
}

async function runCloudOf(deps: RunCloudDeps, runner: Runner): Promise<RunCloud> {
  const { run, manifest } = await liveRunAndManifest(deps, runner);
  const install = await deps.installs.get(run.wsId, run.installId);
  if (!install?.connection) throw new AppError('conflict', 'cloud_not_connected', 'This install has no cloud connection; connect an account in the install wizard (or use the sandbox).');
  const connection = await deps.connections.get(run.wsId, install.connection.id);
  if (!connection) throw new AppError('conflict', 'cloud_not_connected', 'The install’s cloud connection was removed.');
  const consented = new Set(install.consent?.scopes ?? []);
  const scopes = manifest.permissions.map((p) => p.scope).filter((s) => consented.has(s));
  return {
    run,
    manifest,
    install,
    scopes,
    api: deps.cloudProviders[connection.provider],
    target: targetOf(connection),
    grant: credentialGrantOf(connection.provider, scopes),
    session: { runId: run.id, wsId: run.wsId, attempt: run.attempt },
  };
}

function call<T>(deps: Pick<Deps, 'clock'>, c: RunCloud, fn: (credential: Parameters<Parameters<typeof withRunCredential>[5]>[0]) => Promise<T>): Promise<T> {
  return withRunCredential(c.api, c.target, c.grant, c.session, () => deps.clock.now().getTime(), fn);
}

export async function listCloud(deps: RunCloudDeps, runner: Runner, kind: string, filter: CloudListFilter): Promise<CloudResource[]> {
  const c = await runCloudOf(deps, runner);
  if (!c.scopes.includes(`${kind}.list`)) throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${c.manifest.id} does not grant ${kind}.list.`);
  const items = await call(deps, c, (credential) => c.api.list(c.target, credential, kind, filter));
  // Filtered again here: an adapter that filters less never widens what the agent sees.
  return items.filter((r) => r.kind === kind && matchesCloudFilter(r, filter));
}

export async function getCloud(deps: RunCloudDeps, runner: Runner, kind: string, id: string): Promise<CloudResource | null> {
  const c = await runCloudOf(deps, runner);
  requireRead(c.scopes, kind, c.manifest.id);
  return call(deps, c, (credential) => c.api.get(c.target, credential, kind, id));
}

export async function readCloudDataset(deps: RunCloudDeps, runner: Runner, name: string, query: { since?: Date; limit?: number }): Promise<Record<string, unknown>[]> {
  const c = await runCloudOf(deps, runner);
  if (!c.scopes.includes(`${name}.read`)) throw new AppError('forbidden', 'cloud_permission_denied', `The manifest of ${c.manifest.id} does not grant ${name}.read.`);
  return call(deps, c, (credential) => c.api.dataset(c.target, credential, name, query));
}

/**
 * An action the agent names: checked (parameters by the verb's schema, scope by the manifest
 * and the consent), then proposed when the manifest gates it (its basis: the resource as read
 * now), or performed with the run's credential.
 */
export async function actOnCloud(
  deps: RunCloudDeps & Pick<Deps, 'approvals' | 'sandbox' | 'secrets'>,
  runner: Runner,
  input: SandboxActionRequest,
): Promise<{ changed: boolean; resource: CloudResource | null; proposal?: { id: string; state: string } }> {
  const c = await runCloudOf(deps, runner);
  const { params, gate } = checkSandboxAction(c.manifest, input);
  const scope = `${input.kind}.${input.verb}`;
  if (!c.scopes.includes(scope)) throw new AppError('forbidden', 'cloud_permission_denied', `The install did not consent to ${scope}.`);
  const before = await call(deps, c, (credential) => c.api.get(c.target, credential, input.kind, input.resourceId));
  if (!before) throw new AppError('not_found', 'cloud_resource_not_found', `No ${input.kind} ${input.resourceId} in this account.`);
  if (gate) {
    const proposed = await proposeAction(deps, c.run, gate, input, params, { basis: resourceBasis(before) });
    return { changed: false, resource: before, proposal: proposed.proposal };
  }
  const after = await call(deps, c, (credential) => c.api.act(c.target, credential, { kind: input.kind, verb: input.verb, resourceId: input.resourceId, params }));
  return { changed: resourceBasis(before) !== resourceBasis(after), resource: after };
}

/**
 * An approved action on a connected cloud, applied by the platform (settleRun): the resource
 * is read again and must be as it was when proposed.
 */
export async function applyApprovedOnCloud(
  deps: Pick<Deps, 'connections' | 'cloudProviders' | 'clock'>,
  run: Run,
  install: Install,
  scopes: string[],
  action: { kind: string; verb: SandboxActionRequest['verb']; resourceId: string; params: Record<string, unknown> },
  basis: string,
): Promise<void> {
  const connection = install.connection ? await deps.connections.get(run.wsId, install.connection.id) : null;
  if (!connection) throw new AppError('conflict', 'cloud_not_connected', 'The install’s cloud connection was removed.');
  const c = { api: deps.cloudProviders[connection.provider], target: targetOf(connection), grant: credentialGrantOf(connection.provider, scopes), session: { runId: run.id, wsId: run.wsId, attempt: run.attempt } };
  const now = () => deps.clock.now().getTime();
  const current = await withRunCredential(c.api, c.target, c.grant, c.session, now, (cr) => c.api.get(c.target, cr, action.kind, action.resourceId));
  if (!current) throw new AppError('conflict', 'resource_gone', 'The resource no longer exists.');
  if (resourceBasis(current) !== basis) throw new AppError('conflict', 'resource_changed', 'The resource changed since the proposal.');
  await withRunCredential(c.api, c.target, c.grant, c.session, now, (cr) => c.api.act(c.target, cr, { kind: action.kind, verb: action.verb, resourceId: action.resourceId, params: action.params }));
}
