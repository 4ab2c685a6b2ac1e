import { endpoints } from '@agent-marketplace/contract';
import type { Connection, StoredVerification } from '../../domain/cloud/connections.js';
import { cloudIdentity, createConnection, deleteConnection, getConnection, installCloudGrant, setInstallConnection, testConnection } from '../../app/cloud/connections.js';
import { implement } from '../route.js';
import { installView } from './installs.js';

const verificationView = (v: StoredVerification | null) => v && { ...v, unchecked: v.unchecked ?? [], at: v.at.toISOString() };

/** What clients see of a connection: everything but the workspace id. */
export function connectionView(c: Connection) {
  return {
    id: c.id,
    name: c.name,
    provider: c.provider,
    account: c.account,
    gcp: c.gcp,
    aws: c.aws,
    createdAt: c.createdAt.toISOString(),
    createdBy: c.createdBy,
    verification: verificationView(c.verification),
  };
}

export const cloudRoutes = [
  implement(endpoints.getCloudIdentity, async ({ deps, params }) => {
      const identity = await cloudIdentity(deps, params.wsId);
      return { body: { gcp: { serviceAccount: identity.serviceAccount }, aws: { platformPrincipalArn: deps.cloudConfig.awsPlatformPrincipalArn, externalId: identity.externalId } } };
    }),
  implement(endpoints.listConnections, async ({ deps, params }) => ({ body: { items: (await deps.connections.list(params.wsId)).map(connectionView) } })),
  implement(endpoints.createConnection, async ({ deps, access, body, creation }) => {
      const c = await createConnection(deps, access!, body, creation);
      return { status: 201, body: connectionView(c), headers: { Location: `/v1/workspaces/${c.wsId}/connections/${c.id}` } };
    }),
  implement(endpoints.getConnection, async ({ deps, params }) => ({ body: connectionView(await getConnection(deps, params.wsId, params.connectionId)) })),
  implement(endpoints.deleteConnection, async ({ deps, params }) => ({ body: connectionView(await deleteConnection(deps, params.wsId, params.connectionId)) })),
  implement(endpoints.testConnection, async ({ deps, params, body }) => ({ body: verificationView(await testConnection(deps, params.wsId, params.connectionId, body.scopes))! })),
  implement(endpoints.setInstallConnection, async ({ deps, access, params, body }) => ({ body: installView(await setInstallConnection(deps, access!, params.installId, body.connectionId)) })),
  implement(endpoints.getInstallCloudGrant, async ({ deps, params, query }) => ({ body: await installCloudGrant(deps, params.wsId, params.installId, query) })),
];
