import { z } from 'zod';
import { ApiKeyId, PageQuery, pageOf, UserId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { Role } from '../roles.js';
import { AddMemberIn, ApiKeyOut, ChangeRoleIn, CreateApiKeyIn, CreateWorkspaceIn, CreatedApiKeyOut, MeOut, MemberOut, WorkspaceOut } from '../workspaces.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const MemberParams = z.object({ wsId: WorkspaceId, uid: UserId }).strict();
const membersManage = { kind: 'workspace', permission: 'members.manage', apiKeys: false } as const;
const keysManage = { kind: 'workspace', permission: 'apikeys.manage', apiKeys: false } as const;

export const workspaceEndpoints = {
  getMe: endpoint('getMe', {
    summary: 'The signed-in user',
    tags: ['workspaces'],
    access: { kind: 'user' },
    response: { status: 200, schema: MeOut, description: 'The caller' },
  }),
  listWorkspaces: endpoint('listWorkspaces', {
    summary: "Workspaces the signed-in user is a member of, with the user's role in each",
    tags: ['workspaces'],
    access: { kind: 'user' },
    query: PageQuery,
    response: { status: 200, schema: pageOf(WorkspaceOut), description: 'A page of workspaces' },
  }),
  createWorkspace: endpoint('createWorkspace', {
    summary: 'Create a workspace; the caller becomes its owner',
    tags: ['workspaces'],
    access: { kind: 'user' },
    body: CreateWorkspaceIn,
    response: { status: 201, schema: WorkspaceOut, description: 'The new workspace' },
  }),
  getWorkspace: endpoint('getWorkspace', {
    summary: 'A workspace',
    tags: ['workspaces'],
    access: { kind: 'workspace', permission: 'workspace.read' },
    params: WsParams,
    // An API key has no role: null.
    response: { status: 200, schema: WorkspaceOut.extend({ role: Role.nullable() }).meta({ id: 'WorkspaceWithRole' }), description: 'The workspace' },
  }),

  listMembers: endpoint('listMembers', {
    summary: 'Members of a workspace and their roles',
    tags: ['members'],
    access: { kind: 'workspace', permission: 'members.read' },
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(MemberOut), description: 'A page of members' },
  }),
  addMember: endpoint('addMember', {
    summary: 'Add a signed-up user to the workspace with a role',
    tags: ['members'],
    access: membersManage,
    params: WsParams,
    body: AddMemberIn,
    response: { status: 201, schema: MemberOut, description: 'The new member' },
    errors: [409],
  }),
  changeMemberRole: endpoint('changeMemberRole', {
    summary: "Change a member's role",
    tags: ['members'],
    access: membersManage,
    params: MemberParams,
    body: ChangeRoleIn,
    response: { status: 200, schema: MemberOut, description: 'The member' },
    errors: [412],
  }),
  removeMember: endpoint('removeMember', {
    summary: 'Remove a member from the workspace',
    tags: ['members'],
    access: membersManage,
    params: MemberParams,
    response: { status: 204, schema: z.undefined(), description: 'Removed' },
    errors: [412],
  }),

  listApiKeys: endpoint('listApiKeys', {
    summary: "The workspace's API keys (never their secrets)",
    tags: ['api keys'],
    access: keysManage,
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(ApiKeyOut), description: 'A page of keys' },
  }),
  createApiKey: endpoint('createApiKey', {
    summary: 'Create a scoped API key; its secret is in this response only',
    tags: ['api keys'],
    access: keysManage,
    params: WsParams,
    body: CreateApiKeyIn,
    response: { status: 201, schema: CreatedApiKeyOut, description: 'The key with its secret' },
  }),
  revokeApiKey: endpoint('revokeApiKey', {
    summary: 'Revoke an API key; it stops working at once',
    tags: ['api keys'],
    access: keysManage,
    params: z.object({ wsId: WorkspaceId, keyId: ApiKeyId }).strict(),
    response: { status: 200, schema: ApiKeyOut, description: 'The revoked key' },
  }),
};
