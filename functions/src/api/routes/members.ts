import { z } from 'zod';
import { addMember, changeMemberRole, listMembers, removeMember } from '../../app/workspaces.js';
import { defineRoute } from '../route.js';
import { AddMemberIn, ChangeRoleIn, Id, MemberOut, PageQuery, pageOf } from '../schemas.js';

const WsParams = z.object({ wsId: Id }).strict();
const MemberParams = z.object({ wsId: Id, uid: Id }).strict();

export const memberRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/members',
    operationId: 'listMembers',
    summary: 'Members of a workspace and their roles',
    tags: ['members'],
    access: { kind: 'workspace', permission: 'members.read' },
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(MemberOut), description: 'A page of members' },
    handler: async ({ deps, params, query }) => ({ body: await listMembers(deps, params.wsId, query) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/members',
    operationId: 'addMember',
    summary: 'Add a signed-up user to the workspace with a role',
    tags: ['members'],
    access: { kind: 'workspace', permission: 'members.manage', apiKeys: false },
    params: WsParams,
    body: AddMemberIn,
    idempotent: true,
    response: { status: 201, schema: MemberOut, description: 'The new member' },
    errors: [409],
    handler: async ({ deps, access, body }) => ({ body: await addMember(deps, access!, body) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/v1/workspaces/:wsId/members/:uid',
    operationId: 'changeMemberRole',
    summary: "Change a member's role",
    tags: ['members'],
    access: { kind: 'workspace', permission: 'members.manage', apiKeys: false },
    params: MemberParams,
    body: ChangeRoleIn,
    response: { status: 200, schema: MemberOut, description: 'The member' },
    errors: [412],
    handler: async ({ deps, access, params, body }) => ({ body: await changeMemberRole(deps, access!, params.uid, body.role) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/workspaces/:wsId/members/:uid',
    operationId: 'removeMember',
    summary: 'Remove a member from the workspace',
    tags: ['members'],
    access: { kind: 'workspace', permission: 'members.manage', apiKeys: false },
    params: MemberParams,
    response: { status: 204, schema: z.undefined(), description: 'Removed' },
    errors: [412],
    handler: async ({ deps, access, params }) => {
      await removeMember(deps, access!, params.uid);
      return { status: 204, body: undefined };
    },
  }),
];
