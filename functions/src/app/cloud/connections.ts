import type { CloudGrant, CloudProviderId, CreateConnection } from '@agent-marketplace/contract/cloud';
import { AppError, notFound } from '../../domain/errors.js';
import {
  missingByScope,
  newConnection,
  sameTarget,
  type CloudIdentityRecord,
  type Connection,
  type StoredVerification,
} from '../../domain/cloud/connections.js';
import { awsGrant, gcpGrant } from '../../domain/cloud/grants.js';
import { GCP_ORGANIZATION_BASE, grantFor, scopeEntry } from '../../domain/cloud/scopeTable.js';
import type { Install } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { newId, newSecret, sha256 } from '../shared/credentials.js';
import { actorId, type WorkspaceAccess } from '../shared/principal.js';
import { cloudErrorToApp, credentialGrantOf, targetOf } from './cloudCalls.js';

/**
 * The workspace's GCP service account: ids are 6 to 30 characters (`[a-z][a-z0-9-]*[a-z0-9]`) and
 * workspace ids up to 64, so the id is a digest: stable, and not the workspace id itself.
 */
export function workspaceServiceAccountEmail(wsId: string, platformProject: string): string {
  return `am-ws-${sha256(`workspace:${wsId}`).slice(0, 20)}@${platformProject}.iam.gserviceaccount.com`;
}

type ConnectionDeps = Pick<Deps, 'connections' | 'workspaceIdentities' | 'cloudConfig' | 'clock'>;

/** The workspace's service account and external id: made on first use, the service account provisioned then. */
export async function cloudIdentity(deps: ConnectionDeps, wsId: string): Promise<CloudIdentityRecord> {
  const email = workspaceServiceAccountEmail(wsId, deps.cloudConfig.platformProject);
  const record = await deps.connections.identity(wsId, () => ({
    serviceAccount: email,
    // Random and the platform's to choose: a customer who could pick it could pick another workspace's.
    externalId: `am-${newSecret()}`,
    createdAt: deps.clock.now(),
  }));
  await deps.workspaceIdentities.ensureServiceAccount(wsId, record.serviceAccount);
  return record;
}

export async function getConnection(deps: Pick<Deps, 'connections'>, wsId: string, id: string): Promise<Connection> {
  const connection = await deps.connections.get(wsId, id);
  if (!connection) throw notFound('Connection', 'connection_not_found');
  return connection;
}

export async function createConnection(
  deps: ConnectionDeps,
  access: WorkspaceAccess,
  input: CreateConnection,
  creation: { id: string; resumed: boolean } = { id: newId(), resumed: false },
): Promise<Connection> {
  if (creation.resumed) {
    const earlier = await deps.connections.get(access.wsId, creation.id);
    if (earlier) return earlier;
  }
  const identity = await cloudIdentity(deps, access.wsId);
  const connection = newConnection(input, identity, { id: creation.id, wsId: access.wsId, at: deps.clock.now(), by: actorId(access.principal) });
  return deps.connections.create(connection, (existing) => {
    const same = existing.find((c) => sameTarget(c, connection));
    if (same) throw new AppError('conflict', 'connection_exists', `This ${connection.provider === 'gcp' ? 'target' : 'role'} is already connected as "${same.name}" (${same.id}).`);
    if (existing.length >= 50) throw new AppError('conflict', 'too_many_connections', 'A workspace may hold 50 cloud connections.');
  });
}

export async function deleteConnection(deps: Pick<Deps, 'connections' | 'installs'>, wsId: string, id: string): Promise<Connection> {
  const connection = await getConnection(deps, wsId, id);
  const users = (await deps.installs.listByConnection(wsId, id)).filter((i) => i.state !== 'uninstalled');
  if (users.length > 0) {
    throw new AppError('conflict', 'connection_in_use', `Installs act on this connection: ${users.map((i) => `${i.agentId} (${i.id})`).join(', ')}. Move them to another connection first.`);
  }
  await deps.connections.delete(wsId, id);
  return connection;
}

/**
 * "Test connection": mints a credential as a run would, and asks the provider which of the
 * permissions behind `scopes` (by default the consented scopes of every install on the
 * connection) are missing. The verification is stored on the connection; a provider failure is
 * a verification with an error, not an API error, so the wizard can show it.
 */
export async function testConnection(
  deps: Pick<Deps, 'connections' | 'installs' | 'cloudProviders' | 'clock'>,
  wsId: string,
  id: string,
  scopes?: string[],
): Promise<StoredVerification> {
  const connection = await getConnection(deps, wsId, id);
  const asked = scopes ?? [...new Set((await deps.installs.listByConnection(wsId, id)).filter((i) => i.state !== 'uninstalled').flatMap((i) => i.consent?.scopes ?? []))].sort();
  const verification = await verifyScopes(deps, connection, asked, `test-${newId(6)}`);
  await deps.connections.setVerification(wsId, id, verification);
  return verification;
}

/** Which of `scopes`' permissions the connection lacks, asked of the provider with a credential minted for exactly them. */
export async function verifyScopes(deps: Pick<Deps, 'cloudProviders' | 'clock'>, connection: Connection, scopes: string[], session: string): Promise<StoredVerification> {
  const at = deps.clock.now();
  // Budgets' permissions live on the Cloud Billing account, which testIamPermissions on a project or
  // organisation cannot see: those scopes are not asked about (docs/cloud-connections.md).
  const elsewhere = (s: string) => connection.provider === 'gcp' && scopeEntry(s)?.gcp?.grantOn === 'billingAccount';
  const unchecked = scopes.filter(elsewhere).map((scope) => ({ scope, reason: 'Granted on the Cloud Billing account, which a project or organisation check cannot see; check it there.' }));
  const grant = grantFor(connection.provider, scopes.filter((s) => !elsewhere(s)));
  const unsupported = grant.unsupported.map((scope) => ({ scope, permissions: [] as string[] }));
  if (grant.permissions.length === 0) return { at, scopes, ok: unsupported.length === 0, missing: unsupported, unchecked, error: null };
  const api = deps.cloudProviders[connection.provider];
  const target = targetOf(connection);
  try {
    const credential = await api.mint(target, credentialGrantOf(connection.provider, scopes, 'check'), { runId: session, wsId: connection.wsId });
    const organization = connection.gcp?.target.kind === 'organization';
    const asked = organization ? [...new Set([...grant.permissions, ...GCP_ORGANIZATION_BASE])] : grant.permissions;
    const missing = await api.missingPermissions(target, credential, asked);
    // The organisation's base permission is needed by every scope: a lack of it is named under each.
    const perScope = organization ? grant.perScope.map((p) => ({ ...p, permissions: [...p.permissions, ...GCP_ORGANIZATION_BASE] })) : grant.perScope;
    const byScope = [...unsupported, ...missingByScope(perScope, missing)];
    return { at, scopes, ok: byScope.length === 0, missing: byScope, unchecked, error: null };
  } catch (err) {
    const app = cloudErrorToApp(err);
    return { at, scopes, ok: false, missing: unsupported, unchecked, error: { code: app.code, message: app.message } };
  }
}

/** Wizard step 3 (connect): the connection the install acts on; null leaves it on the sandbox. */
export async function setInstallConnection(
  deps: Pick<Deps, 'connections' | 'installs' | 'clock'>,
  access: WorkspaceAccess,
  installId: string,
  connectionId: string | null,
): Promise<Install> {
  const connection = connectionId === null ? null : await getConnection(deps, access.wsId, connectionId);
  const now = deps.clock.now();
  return deps.installs.update(access.wsId, installId, (install) => {
    if (install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
    const next = connection ? { id: connection.id, provider: connection.provider, account: connection.account } : null;
    return { next: { ...install, connection: next, steps: { ...install.steps, connect: now }, updatedAt: now } };
  });
}

/** The least-privilege grant of an install's agent version, for its connection's provider (or the one asked). */
export async function installCloudGrant(
  deps: Pick<Deps, 'connections' | 'installs' | 'catalog' | 'workspaceIdentities' | 'cloudConfig' | 'clock'>,
  wsId: string,
  installId: string,
  asked: { provider?: CloudProviderId | undefined; connectionId?: string | undefined } = {},
): Promise<CloudGrant> {
  const install = await deps.installs.get(wsId, installId);
  if (!install || install.state === 'uninstalled') throw notFound('Install', 'install_not_found');
  const manifest = await deps.catalog.getVersion(install.agentId, install.version);
  if (!manifest) throw new AppError('not_found', 'agent_version_not_found', `Version ${install.version} of ${install.agentId} does not exist.`);
  // A connection named by id (the wizard shows its grant before the install acts on it) must be this workspace's.
  const connectionId = asked.connectionId ?? install.connection?.id;
  const connection = connectionId ? await deps.connections.get(wsId, connectionId) : null;
  if (asked.connectionId && !connection) throw notFound('Connection', 'connection_not_found');
  if (asked.connectionId && asked.provider && connection && asked.provider !== connection.provider) {
    throw new AppError('invalid', 'provider_mismatch', `Connection ${connection.id} is on ${connection.provider}, not ${asked.provider}.`);
  }
  const provider = asked.provider ?? connection?.provider;
  if (!provider) throw new AppError('invalid', 'provider_required', 'The install has no connection: say which provider (?provider=gcp or aws).');
  const scopes = manifest.permissions.map((p) => p.scope);
  const identity = await cloudIdentity(deps, wsId);
  const table = grantFor(provider, scopes);
  if (provider === 'gcp') {
    const target = connection?.gcp?.target ?? { kind: 'project' as const, id: 'your-project-id' };
    const g = gcpGrant({ serviceAccount: identity.serviceAccount, target, agentId: manifest.id, scopes });
    return { provider, scopes: table.perScope, unsupported: table.unsupported, gcloud: g.gcloud, cloudformation: null, terraform: g.terraform };
  }
  const g = awsGrant({ platformPrincipalArn: deps.cloudConfig.awsPlatformPrincipalArn, externalId: identity.externalId, roleName: `agent-marketplace-${manifest.id}`.slice(0, 64), scopes });
  return { provider, scopes: table.perScope, unsupported: table.unsupported, gcloud: null, cloudformation: g.cloudformation, terraform: g.terraform };
}
