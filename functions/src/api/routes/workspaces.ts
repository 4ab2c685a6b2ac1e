import { z } from 'zod';
import { createWorkspace, getWorkspace, listMyWorkspaces } from '../../app/workspaces.js';
import { defineRoute } from '../route.js';
import { CreateWorkspaceIn, Id, MeOut, PageQuery, pageOf, WorkspaceOut } from '../schemas.js';

const WsParams = z.object({ wsId: Id }).strict();

export const workspaceRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'The signed-in user',
    tags: ['workspaces'],
    access: { kind: 'user' },
    response: { status: 200, schema: MeOut, description: 'The caller' },
    handler: async ({ principal }) => ({
      body: principal?.kind === 'user' ? { uid: principal.uid, email: principal.email } : null,
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces',
    operationId: 'listWorkspaces',
    summary: "Workspaces the signed-in user is a member of, with the user's role in each",
    tags: ['workspaces'],
    access: { kind: 'user' },
    query: PageQuery,
    response: { status: 200, schema: pageOf(WorkspaceOut), description: 'A page of workspaces' },
    handler: async ({ deps, principal, query }) => {
      const uid = principal?.kind === 'user' ? principal.uid : '';
      const page = await listMyWorkspaces(deps, uid, query);
      return { body: { items: page.items.map((i) => ({ ...i.workspace, role: i.role })), nextCursor: page.nextCursor } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces',
    operationId: 'createWorkspace',
    summary: 'Create a workspace; the caller becomes its owner',
    tags: ['workspaces'],
    access: { kind: 'user' },
    body: CreateWorkspaceIn,
    idempotent: true,
    response: { status: 201, schema: WorkspaceOut, description: 'The new workspace' },
    handler: async ({ deps, principal, body }) => {
      if (principal?.kind !== 'user') throw new Error('user route without a user');
      const { workspace, role } = await createWorkspace(deps, principal, body);
      return { body: { ...workspace, role }, headers: { Location: `/v1/workspaces/${workspace.id}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId',
    operationId: 'getWorkspace',
    summary: 'A workspace',
    tags: ['workspaces'],
    access: { kind: 'workspace', permission: 'workspace.read' },
    params: WsParams,
    response: { status: 200, schema: WorkspaceOut.extend({ role: WorkspaceOut.shape.role.nullable() }), description: 'The workspace' },
    handler: async ({ deps, params, access }) => ({ body: { ...(await getWorkspace(deps, params.wsId)), role: access?.role ?? null } }),
  }),
];
