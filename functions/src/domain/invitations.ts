import { AppError } from './errors.js';
import type { Invitation, Member } from './models.js';

/** How long an invitation can be accepted unless the inviter says otherwise. */
export const DEFAULT_INVITATION_DAYS = 7;

/**
 * The form an email address is compared in: trimmed, Unicode NFC, lowercase. Addresses are
 * case-insensitive in practice (every provider we sign in with treats them so), and Firebase
 * Auth stores them lowercased.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

export type InvitationState = 'pending' | 'accepted' | 'revoked' | 'expired';

export function invitationState(inv: Invitation, now: Date): InvitationState {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  if (now.getTime() >= inv.expiresAt.getTime()) return 'expired';
  return 'pending';
}

/** Who is accepting: what the verified ID token says about them. */
export interface Invitee {
  uid: string;
  email: string | null;
  emailVerified: boolean;
}

/**
 * Whether `user` may accept `inv` now, and the membership it makes. The email must be
 * verified (an unverified address proves nothing: anyone can sign up with any address) and
 * equal to the invited one. Throws an AppError with a stable code otherwise.
 */
export function acceptInvitation(inv: Invitation, user: Invitee, existing: Member | null, now: Date): { member: Member; invitation: Invitation } {
  const state = invitationState(inv, now);
  if (state === 'accepted') throw new AppError('conflict', 'invitation_already_accepted', 'This invitation has already been accepted.');
  if (state === 'revoked') throw new AppError('conflict', 'invitation_revoked', 'This invitation has been revoked; ask for a new one.');
  if (state === 'expired') throw new AppError('conflict', 'invitation_expired', 'This invitation has expired; ask for a new one.');
  if (!user.email || !user.emailVerified) {
    throw new AppError('forbidden', 'email_not_verified', 'Verify your email address first, then accept the invitation again.');
  }
  if (normalizeEmail(user.email) !== inv.email) {
    throw new AppError('forbidden', 'invitation_email_mismatch', 'This invitation is for another email address; sign in with the invited one.');
  }
  if (existing) throw new AppError('conflict', 'already_member', 'You are already a member of this workspace.');
  const member: Member = { uid: user.uid, wsId: inv.wsId, role: inv.role, email: inv.email, addedBy: inv.invitedBy, addedAt: now };
  return { member, invitation: { ...inv, acceptedAt: now, acceptedBy: user.uid } };
}

/** Revoking: only a pending invitation; revoking a revoked one again is a no-op. */
export function revokeInvitation(inv: Invitation, now: Date): Invitation {
  const state = invitationState(inv, now);
  if (state === 'accepted') throw new AppError('conflict', 'invitation_already_accepted', 'This invitation has already been accepted; remove the member instead.');
  if (state === 'revoked') return inv;
  return { ...inv, revokedAt: now };
}
