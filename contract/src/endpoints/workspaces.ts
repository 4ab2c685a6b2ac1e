import { z } from 'zod';
import { ApiKeyId, Id, PageQuery, pageOf, UserId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { Role } from '../roles.js';
import {
  AcceptInvitationIn,
  ApiKeyOut,
  ChangeRoleIn,
  CreateApiKeyIn,
  CreateInvitationIn,
  CreatedApiKeyOut,
  CreatedInvitationOut,
  CreateWorkspaceIn,
  InvitationOut,
  MeOut,
  MemberOut,
  SessionOut,
  TransferApiKeyIn,
  WorkspaceOut,
} from '../workspaces.js';

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
  transferApiKey: endpoint('transferApiKey', {
    summary: 'Re-own an API key: it then acts for another member, and survives its former owner leaving',
    tags: ['api keys'],
    access: keysManage,
    params: z.object({ wsId: WorkspaceId, keyId: ApiKeyId }).strict(),
    body: TransferApiKeyIn,
    response: { status: 200, schema: ApiKeyOut, description: 'The key' },
    errors: [409],
  }),

  listInvitations: endpoint('listInvitations', {
    summary: "The workspace's invitations, newest first (never their tokens)",
    tags: ['invitations'],
    access: membersManage,
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(InvitationOut), description: 'A page of invitations' },
  }),
  createInvitation: endpoint('createInvitation', {
    summary: 'Invite an email address to the workspace with a role; the token is in this response only',
    tags: ['invitations'],
    access: membersManage,
    params: WsParams,
    body: CreateInvitationIn,
    response: { status: 201, schema: CreatedInvitationOut, description: 'The invitation with its token' },
  }),
  revokeInvitation: endpoint('revokeInvitation', {
    summary: 'Revoke a pending invitation; it can no longer be accepted',
    tags: ['invitations'],
    access: membersManage,
    params: z.object({ wsId: WorkspaceId, invitationId: Id }).strict(),
    response: { status: 200, schema: InvitationOut, description: 'The revoked invitation' },
    errors: [409],
  }),
  acceptInvitation: endpoint('acceptInvitation', {
    summary: 'Accept an invitation: the signed-in user, whose verified email is the invited one, becomes a member',
    tags: ['invitations'],
    access: { kind: 'user' },
    body: AcceptInvitationIn,
    response: { status: 201, schema: MemberOut.extend({ wsId: z.string() }).meta({ id: 'AcceptedInvitation' }), description: 'The new membership' },
    errors: [409],
  }),

  listSessions: endpoint('listSessions', {
    summary: "The signed-in user's sessions (sign-ins the API has seen), most recently used first",
    tags: ['sessions'],
    access: { kind: 'user' },
    response: { status: 200, schema: z.object({ items: z.array(SessionOut) }).meta({ id: 'Sessions' }), description: 'The sessions' },
  }),
  revokeSession: endpoint('revokeSession', {
    summary: "End one session: the API refuses that sign-in's tokens from now on",
    tags: ['sessions'],
    access: { kind: 'user' },
    params: z.object({ sessionId: Id }).strict(),
    response: { status: 204, schema: z.undefined(), description: 'Revoked' },
  }),
  revokeAllSessions: endpoint('revokeAllSessions', {
    summary: "Sign out everywhere: revokes the user's refresh tokens, which ends every session",
    tags: ['sessions'],
    access: { kind: 'user' },
    response: { status: 204, schema: z.undefined(), description: 'Revoked' },
  }),
};
