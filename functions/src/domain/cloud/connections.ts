import type { CloudProviderId, ConnectionVerification, CreateConnection, GcpTarget } from '@agent-marketplace/contract/cloud';
import { AppError } from '../errors.js';

/**
 * Cloud connections of a workspace (docs/cloud-connections.md): what is stored, and the
 * checks on creating one. The provider calls are the adapters'; the permission table is
 * scopeTable.ts.
 */

export interface StoredVerification extends Omit<ConnectionVerification, 'at'> {
  at: Date;
}

export interface Connection {
  id: string;
  wsId: string;
  name: string;
  provider: CloudProviderId;
  /** The GCP project or organisation id, the AWS account id. */
  account: string;
  gcp: { target: GcpTarget; serviceAccount: string; billingExportTable: string | null } | null;
  aws: { roleArn: string; externalId: string; regions: string[] } | null;
  createdAt: Date;
  createdBy: string;
  verification: StoredVerification | null;
}

/** The workspace's own identities, made once (workspaces/{ws}/internal/cloudIdentity, never client-readable). */
export interface CloudIdentityRecord {
  serviceAccount: string;
  externalId: string;
  createdAt: Date;
}

/** An IAM role ARN's account (`arn:aws:iam::<account>:role/<name>`). */
export function accountOfRoleArn(roleArn: string): string {
  return roleArn.split(':')[4]!;
}

/**
 * A new connection from a create request, checked: an AWS role must name the workspace's own
 * external id (a role made for another workspace, or a forged id, is refused: that id is what
 * stops one workspace from using a role another customer trusted the platform with).
 */
export function newConnection(
  input: CreateConnection & { regions?: string[] },
  identity: Pick<CloudIdentityRecord, 'serviceAccount' | 'externalId'>,
  meta: { id: string; wsId: string; at: Date; by: string },
): Connection {
  const base = { id: meta.id, wsId: meta.wsId, name: input.name.trim(), createdAt: meta.at, createdBy: meta.by, verification: null };
  if (input.provider === 'gcp') {
    return {
      ...base,
      provider: 'gcp',
      account: input.target.id,
      gcp: { target: input.target, serviceAccount: identity.serviceAccount, billingExportTable: input.billingExportTable ?? null },
      aws: null,
    };
  }
  if (input.externalId !== identity.externalId) {
    throw new AppError('invalid', 'external_id_mismatch', "The external id is not this workspace's: create the role with the external id shown in the wizard (GET .../cloud-identity).", {
      issues: [{ path: 'externalId', message: "not this workspace's external id" }],
    });
  }
  return {
    ...base,
    provider: 'aws',
    account: accountOfRoleArn(input.roleArn),
    gcp: null,
    aws: { roleArn: input.roleArn, externalId: input.externalId, regions: [...new Set(input.regions ?? ['us-east-1'])] },
  };
}

/** Two connections to the same place would make "which one does this install act on" ambiguous. */
export function sameTarget(a: Pick<Connection, 'provider' | 'account' | 'aws'>, b: Pick<Connection, 'provider' | 'account' | 'aws'>): boolean {
  if (a.provider !== b.provider || a.account !== b.account) return false;
  return a.provider === 'gcp' || a.aws?.roleArn === b.aws?.roleArn;
}

/**
 * Per scope, the provider permissions the connection lacks: `missing` as the provider
 * answered it, grouped by the scopes that need them (a permission two scopes share is named
 * under both).
 */
export function missingByScope(perScope: readonly { scope: string; permissions: readonly string[] }[], missing: readonly string[]): { scope: string; permissions: string[] }[] {
  const lacking = new Set(missing);
  return perScope.map((s) => ({ scope: s.scope, permissions: s.permissions.filter((p) => lacking.has(p)) })).filter((s) => s.permissions.length > 0);
}

/** A check that repeats the kept one is recorded again once the kept one is this old (the wizard shows its time). */
export const VERIFICATION_REFRESH_MS = 15 * 60_000;

const sameAnswer = (a: StoredVerification, b: StoredVerification): boolean => {
  const key = (v: StoredVerification) =>
    JSON.stringify({
      scopes: [...v.scopes].sort(),
      ok: v.ok,
      missing: v.missing.map((m) => [m.scope, [...m.permissions].sort()]).sort(),
      unchecked: v.unchecked.map((u) => u.scope).sort(),
      error: v.error?.code ?? null,
    });
  return key(a) === key(b);
};

/**
 * Whether a run's check of its connection is worth writing to the connection, a document every
 * install on it shares: when it says something new, or when the one kept is getting old. A
 * write per dispatch would contend on that document at a few runs a second.
 */
export function verificationWorthRecording(kept: StoredVerification | null, next: StoredVerification): boolean {
  if (!kept || !sameAnswer(kept, next)) return true;
  return next.at.getTime() - kept.at.getTime() >= VERIFICATION_REFRESH_MS;
}
