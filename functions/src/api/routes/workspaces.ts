import { endpoints } from '@agent-marketplace/contract';
import { createWorkspace, getWorkspace, listMyWorkspaces } from '../../app/workspaces/workspaces.js';
import { implement } from '../route.js';

export const workspaceRoutes = [
  implement(endpoints.getMe, async ({ principal }) => ({
      body: principal?.kind === 'user' ? { uid: principal.uid, email: principal.email, emailVerified: principal.emailVerified } : null,
    })),
  implement(endpoints.listWorkspaces, async ({ deps, principal, query }) => {
      const uid = principal?.kind === 'user' ? principal.uid : '';
      const page = await listMyWorkspaces(deps, uid, query);
      return { body: { items: page.items.map((i) => ({ ...i.workspace, role: i.role })), nextCursor: page.nextCursor } };
    }),
  implement(endpoints.createWorkspace, async ({ deps, principal, body, creation }) => {
      if (principal?.kind !== 'user') throw new Error('user route without a user');
      const { workspace, role } = await createWorkspace(deps, principal, body, creation);
      return { body: { ...workspace, role }, headers: { Location: `/v1/workspaces/${workspace.id}` } };
    }),
  implement(endpoints.getWorkspace, async ({ deps, params, access }) => ({ body: { ...(await getWorkspace(deps, params.wsId)), role: access?.role ?? null } })),
];
