import { endpoints } from '@agent-marketplace/contract';
import { listSessions, revokeAllSessions, revokeSession } from '../../app/accounts/sessions.js';
import type { Principal } from '../../app/shared/principal.js';
import { implement } from '../route.js';

function userOf(principal: Principal | null): Extract<Principal, { kind: 'user' }> {
  if (principal?.kind !== 'user') throw new Error('user route without a user');
  return principal;
}

export const sessionRoutes = [
  implement(endpoints.listSessions, async ({ deps, principal }) => ({ body: { items: await listSessions(deps, userOf(principal)) } })),
  implement(endpoints.revokeSession, async ({ deps, principal, params }) => {
      await revokeSession(deps, userOf(principal).uid, params.sessionId);
      return { status: 204, body: undefined };
    }),
  implement(endpoints.revokeAllSessions, async ({ deps, principal }) => {
      await revokeAllSessions(deps, userOf(principal).uid);
      return { status: 204, body: undefined };
    }),
];
