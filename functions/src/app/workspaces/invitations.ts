import { AppError, notFound } from '../../domain/errors.js';
import { acceptInvitation as decideAcceptance, DEFAULT_INVITATION_DAYS, invitationState, normalizeEmail, revokeInvitation as decideRevocation } from '../../domain/invitations.js';
import type { Invitation } from '../../domain/models.js';
import { canAssignRole, type Role } from '../../domain/roles.js';
import type { Deps } from '../deps.js';
import type { Page, PageRequest } from '../shared/paging.js';
import type { WorkspaceAccess } from '../shared/principal.js';
import { formatCredential, matchesHash, newId, newSecret, parseCredential, sha256 } from '../shared/credentials.js';

export const INVITATION_PREFIX = 'ami';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An invitation as the API shows it: its state computed, its token hash left out by the contract. */
export const withState = (inv: Invitation, now: Date) => ({ ...inv, state: invitationState(inv, now) });

function managerRole(access: WorkspaceAccess): Role {
  if (!access.role) throw new AppError('forbidden', 'members_require_user', 'Only a signed-in member can manage members.');
  return access.role;
}

/**
 * Invites an email address with a role. Nobody is bound to the workspace until a user whose
 * verified email is that address accepts with the token, which is returned here once and
 * stored only as a hash.
 */
export async function createInvitation(
  deps: Pick<Deps, 'invitations' | 'clock'>,
  access: WorkspaceAccess,
  input: { email: string; role: Role; expiresInDays?: number | undefined },
) {
  const role = managerRole(access);
  if (!canAssignRole(role, input.role)) {
    throw new AppError('forbidden', 'role_not_assignable', `A ${role} cannot grant the ${input.role} role.`);
  }
  const now = deps.clock.now();
  const id = newId();
  const secret = newSecret();
  const invitation: Invitation = {
    id,
    wsId: access.wsId,
    email: normalizeEmail(input.email),
    role: input.role,
    tokenHash: sha256(secret),
    invitedBy: access.principal.kind === 'user' ? access.principal.uid : 'unknown',
    createdAt: now,
    expiresAt: new Date(now.getTime() + (input.expiresInDays ?? DEFAULT_INVITATION_DAYS) * DAY_MS),
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  await deps.invitations.create(invitation);
  return { ...withState(invitation, now), token: formatCredential(INVITATION_PREFIX, access.wsId, id, secret) };
}

export async function listInvitations(deps: Pick<Deps, 'invitations' | 'clock'>, wsId: string, page: PageRequest) {
  const listed: Page<Invitation> = await deps.invitations.list(wsId, page);
  const now = deps.clock.now();
  return { items: listed.items.map((i) => withState(i, now)), nextCursor: listed.nextCursor };
}

export async function revokeInvitation(deps: Pick<Deps, 'invitations' | 'clock'>, access: WorkspaceAccess, invitationId: string) {
  const role = managerRole(access);
  const now = deps.clock.now();
  const updated = await deps.invitations.update(access.wsId, invitationId, (inv) => {
    // Whoever may not grant a role may not take back an invitation to it either.
    if (!canAssignRole(role, inv.role)) throw new AppError('forbidden', 'role_not_assignable', `A ${role} cannot revoke an invitation to the ${inv.role} role.`);
    return decideRevocation(inv, now);
  });
  if (!updated) throw notFound('Invitation', 'invitation_not_found');
  return withState(updated, now);
}

const unknownInvitation = () => new AppError('not_found', 'invitation_not_found', 'This invitation link is not valid; ask for a new one.');

/** Accepting: the token finds the invitation; the domain decides from the user's verified email. */
export async function acceptInvitation(
  deps: Pick<Deps, 'invitations' | 'clock'>,
  user: { uid: string; email: string | null; emailVerified: boolean },
  token: string,
) {
  const parsed = parseCredential(INVITATION_PREFIX, token.trim());
  if (!parsed) throw unknownInvitation();
  const inv = await deps.invitations.get(parsed.wsId, parsed.id);
  // The hash never changes: checked once, outside the transaction.
  if (!inv || !matchesHash(parsed.secret, inv.tokenHash)) throw unknownInvitation();
  const now = deps.clock.now();
  const done = await deps.invitations.accept(inv.wsId, inv.id, user.uid, (current, existing) => decideAcceptance(current, user, existing, now));
  if (!done) throw unknownInvitation();
  return done.member;
}
