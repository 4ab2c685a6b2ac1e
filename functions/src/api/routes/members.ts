import { endpoints } from '@agent-marketplace/contract';
import { addMember, changeMemberRole, listMembers, removeMember } from '../../app/workspaces/workspaces.js';
import { implement } from '../route.js';

export const memberRoutes = [
  implement(endpoints.listMembers, async ({ deps, params, query }) => ({ body: await listMembers(deps, params.wsId, query) })),
  implement(endpoints.addMember, async ({ deps, access, body }) => ({ body: await addMember(deps, access!, body) })),
  implement(endpoints.changeMemberRole, async ({ deps, access, params, body }) => ({ body: await changeMemberRole(deps, access!, params.uid, body.role) })),
  implement(endpoints.removeMember, async ({ deps, access, params }) => {
      await removeMember(deps, access!, params.uid);
      return { status: 204, body: undefined };
    }),
];
