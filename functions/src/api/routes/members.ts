import { endpoints } from '@agent-marketplace/contract';
import { acceptInvitation, createInvitation, listInvitations, revokeInvitation } from '../../app/workspaces/invitations.js';
import { changeMemberRole, listMembers, removeMember } from '../../app/workspaces/workspaces.js';
import { implement } from '../route.js';

export const memberRoutes = [
  implement(endpoints.listMembers, async ({ deps, params, query }) => ({ body: await listMembers(deps, params.wsId, query) })),
  implement(endpoints.changeMemberRole, async ({ deps, access, params, body }) => ({ body: await changeMemberRole(deps, access!, params.uid, body.role) })),
  implement(endpoints.removeMember, async ({ deps, access, params }) => {
      await removeMember(deps, access!, params.uid);
      return { status: 204, body: undefined };
    }),
];

/** Members join only through an invitation, accepted by the invited (verified) email's user. */
export const invitationRoutes = [
  implement(endpoints.listInvitations, async ({ deps, params, query }) => ({ body: await listInvitations(deps, params.wsId, query) })),
  implement(endpoints.createInvitation, async ({ deps, access, body }) => ({ body: await createInvitation(deps, access!, body) })),
  implement(endpoints.revokeInvitation, async ({ deps, access, params }) => ({ body: await revokeInvitation(deps, access!, params.invitationId) })),
  implement(endpoints.acceptInvitation, async ({ deps, principal, body }) => {
      if (principal?.kind !== 'user') throw new Error('user route without a user');
      const member = await acceptInvitation(deps, principal, body.token);
      return { body: member, headers: { Location: `/v1/workspaces/${member.wsId}` } };
    }),
];
