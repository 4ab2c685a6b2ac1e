import { z } from 'zod';
import { Id, InstallId, RunId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { InstallOut } from '../installs.js';
import { SandboxActionIn } from '../sandbox.js';
import {
  CloudActionOut,
  CloudDatasetIn,
  CloudDatasetOut,
  CloudGetIn,
  CloudGetOut,
  CloudGrantOut,
  CloudGrantQuery,
  CloudIdentityOut,
  CloudListIn,
  CloudListOut,
  ConnectionOut,
  ConnectionVerification,
  CreateConnectionIn,
  SetInstallConnectionIn,
  TestConnectionIn,
} from '../cloud.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const ConnectionParams = z.object({ wsId: WorkspaceId, connectionId: Id }).strict();
const InstallParams = z.object({ wsId: WorkspaceId, installId: InstallId }).strict();
const RunParams = z.object({ runId: RunId }).strict();
// Connecting a cloud account hands the platform a grant on it: owners and admins only, never a key.
const manageConnections = { kind: 'workspace', permission: 'workspace.manage', apiKeys: false } as const;
const read = { kind: 'workspace', permission: 'installs.read' } as const;
const manageInstalls = { kind: 'workspace', permission: 'installs.manage', apiKeys: false } as const;
const runner = { kind: 'runner' } as const;
const tags = ['cloud connections'];

export const cloudEndpoints = {
  getCloudIdentity: endpoint('getCloudIdentity', {
    summary: "The workspace's identities to grant to: its GCP service account, and the AWS principal and external id its role must trust",
    tags,
    access: read,
    params: WsParams,
    response: { status: 200, schema: CloudIdentityOut, description: "The workspace's cloud identity" },
  }),
  listConnections: endpoint('listConnections', {
    summary: "The workspace's cloud connections",
    tags,
    access: read,
    params: WsParams,
    response: { status: 200, schema: z.object({ items: z.array(ConnectionOut) }).meta({ id: 'CloudConnectionList' }), description: 'Every connection, newest first' },
  }),
  createConnection: endpoint('createConnection', {
    summary: 'Connect a GCP project or organisation, or an AWS account (through a role that trusts the workspace external id)',
    tags,
    access: manageConnections,
    params: WsParams,
    body: CreateConnectionIn,
    response: { status: 201, schema: ConnectionOut, description: 'The connection (not yet verified: test it)' },
    errors: [409],
  }),
  getConnection: endpoint('getConnection', { summary: 'A cloud connection', tags, access: read, params: ConnectionParams, response: { status: 200, schema: ConnectionOut, description: 'The connection' } }),
  deleteConnection: endpoint('deleteConnection', {
    summary: 'Remove a connection no install acts on (the grants on the customer side stay: revoke them there)',
    tags,
    access: manageConnections,
    params: ConnectionParams,
    response: { status: 200, schema: ConnectionOut, description: 'The removed connection' },
    errors: [409],
  }),
  testConnection: endpoint('testConnection', {
    summary: 'Check that the connection holds the permissions of exactly the consented scopes (GCP testIamPermissions, AWS policy simulation); answers which are missing',
    tags,
    access: manageInstalls,
    params: ConnectionParams,
    body: TestConnectionIn,
    response: { status: 200, schema: ConnectionVerification, description: 'The verification, also stored on the connection' },
  }),
  setInstallConnection: endpoint('setInstallConnection', {
    summary: 'Wizard step 3 (connect): the cloud connection the install acts on (null: the sandbox)',
    tags: ['installs'],
    access: manageInstalls,
    params: InstallParams,
    body: SetInstallConnectionIn,
    response: { status: 200, schema: InstallOut, description: 'The install' },
  }),
  getInstallCloudGrant: endpoint('getInstallCloudGrant', {
    summary:
      "The least-privilege grant of the install's agent version, for its connection (or the workspace's connection `connectionId`, before the install acts on it): gcloud and Terraform, or CloudFormation and Terraform",
    tags: ['installs'],
    access: read,
    params: InstallParams,
    query: CloudGrantQuery,
    response: { status: 200, schema: CloudGrantOut, description: 'What to run on the customer side' },
    errors: [400, 404],
  }),

  runnerCloudList: endpoint('runnerCloudList', {
    summary: "Resources of a kind in the install's connected cloud (scope `<kind>.list`), read by the platform with the run's credential",
    tags: ['runner'],
    access: runner,
    params: RunParams,
    body: CloudListIn,
    response: { status: 200, schema: CloudListOut, description: 'The resources' },
    errors: [409, 429, 503],
  }),
  runnerCloudGet: endpoint('runnerCloudGet', {
    summary: 'One resource (scope `<kind>.get` or `<kind>.list`)',
    tags: ['runner'],
    access: runner,
    params: RunParams,
    body: CloudGetIn,
    response: { status: 200, schema: CloudGetOut, description: 'The resource, or null' },
    errors: [409, 429, 503],
  }),
  runnerCloudDataset: endpoint('runnerCloudDataset', {
    summary: 'Rows of a read-only dataset (scope `<name>.read`): billing, logs, iam.roles, iam.usage',
    tags: ['runner'],
    access: runner,
    params: RunParams,
    body: CloudDatasetIn,
    response: { status: 200, schema: CloudDatasetOut, description: 'The rows' },
    errors: [409, 429, 503],
  }),
  runnerCloudAction: endpoint('runnerCloudAction', {
    summary: "Act on a resource of the connected cloud: intent only; the platform checks scope, consent and approval gates, then performs it with the run's credential",
    tags: ['runner'],
    access: runner,
    params: RunParams,
    body: SandboxActionIn,
    response: { status: 200, schema: CloudActionOut, description: 'Done (the resource after it), or proposed for approval' },
    errors: [404, 409, 429, 503],
  }),
};
