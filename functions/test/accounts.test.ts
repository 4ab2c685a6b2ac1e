import { describe, expect, it } from 'vitest';
import { apiKeyStatus, ownerOf } from '../src/domain/apiKeys.ts';
import { NEUTRAL_AUTHOR, publicAuthorName } from '../src/domain/authorName.ts';
import { acceptInvitation, invitationState, normalizeEmail, revokeInvitation } from '../src/domain/invitations.ts';
import type { ApiKey, Invitation } from '../src/domain/models.ts';

const now = new Date('2026-12-01T12:00:00Z');
const inv = (over: Partial<Invitation> = {}): Invitation => ({
  id: 'i1',
  wsId: 'w1',
  email: 'alice@corp.test',
  role: 'admin',
  tokenHash: 'h',
  invitedBy: 'owner1',
  createdAt: new Date('2026-11-30T12:00:00Z'),
  expiresAt: new Date('2026-12-07T12:00:00Z'),
  acceptedAt: null,
  acceptedBy: null,
  revokedAt: null,
  ...over,
});
const alice = { uid: 'u1', email: 'Alice@Corp.test', emailVerified: true };
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'no error';
};

describe('invitations', () => {
  it('normalize emails: trimmed, lowercase, NFC', () => {
    expect(normalizeEmail('  Alice@Corp.TEST ')).toBe('alice@corp.test');
    expect(normalizeEmail('e\u0301@x.test')).toBe(normalizeEmail('\u00e9@x.test'));
  });

  it('are accepted by a verified matching email, making the invited member', () => {
    const { member, invitation } = acceptInvitation(inv(), alice, null, now);
    expect(member).toEqual({ uid: 'u1', wsId: 'w1', role: 'admin', email: 'alice@corp.test', addedBy: 'owner1', addedAt: now });
    expect(invitation).toMatchObject({ acceptedAt: now, acceptedBy: 'u1' });
    expect(invitationState(invitation, now)).toBe('accepted');
  });

  it('refuse an unverified email, another email, no email, an existing member', () => {
    expect(codeOf(() => acceptInvitation(inv(), { ...alice, emailVerified: false }, null, now))).toBe('email_not_verified');
    expect(codeOf(() => acceptInvitation(inv(), { ...alice, email: null }, null, now))).toBe('email_not_verified');
    expect(codeOf(() => acceptInvitation(inv(), { ...alice, email: 'alice@corp.test.evil' }, null, now))).toBe('invitation_email_mismatch');
    const member = { uid: 'u1', wsId: 'w1', role: 'viewer' as const, email: null, addedBy: 'x', addedAt: now };
    expect(codeOf(() => acceptInvitation(inv(), alice, member, now))).toBe('already_member');
  });

  it('refuse expired (at the expiry instant), revoked and accepted ones', () => {
    expect(codeOf(() => acceptInvitation(inv({ expiresAt: now }), alice, null, now))).toBe('invitation_expired');
    expect(codeOf(() => acceptInvitation(inv({ revokedAt: now }), alice, null, now))).toBe('invitation_revoked');
    expect(codeOf(() => acceptInvitation(inv({ acceptedAt: now, acceptedBy: 'u9' }), alice, null, now))).toBe('invitation_already_accepted');
  });

  it('revoke only while not accepted; a second revoke changes nothing', () => {
    const revoked = revokeInvitation(inv(), now);
    expect(invitationState(revoked, now)).toBe('revoked');
    expect(revokeInvitation(revoked, new Date(now.getTime() + 1000))).toBe(revoked);
    expect(codeOf(() => revokeInvitation(inv({ acceptedAt: now, acceptedBy: 'u1' }), now))).toBe('invitation_already_accepted');
  });
});

describe('API keys', () => {
  const key = (over: Partial<ApiKey> = {}): ApiKey => ({
    id: 'k',
    wsId: 'w',
    name: 'n',
    scopes: ['runs.read'],
    secretHash: 'h',
    prefix: 'p',
    createdBy: 'u1',
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    ...over,
  });
  it('expire at their expiry; no expiry means none; revoked wins', () => {
    expect(apiKeyStatus(key(), now)).toBe('active');
    expect(apiKeyStatus(key({ expiresAt: null }), now)).toBe('active');
    expect(apiKeyStatus(key({ expiresAt: new Date(now.getTime() + 1) }), now)).toBe('active');
    expect(apiKeyStatus(key({ expiresAt: now }), now)).toBe('expired');
    expect(apiKeyStatus(key({ expiresAt: now, revokedAt: now }), now)).toBe('revoked');
  });
  it('are owned by their creator until re-owned', () => {
    expect(ownerOf(key())).toBe('u1');
    expect(ownerOf(key({ ownedBy: 'u2' }))).toBe('u2');
  });
});

describe('review author names', () => {
  it('are the display name, else a neutral label; never an email', () => {
    expect(publicAuthorName('  Jane   Doe ')).toBe('Jane Doe');
    expect(publicAuthorName(null)).toBe(NEUTRAL_AUTHOR);
    expect(publicAuthorName('')).toBe(NEUTRAL_AUTHOR);
    expect(publicAuthorName('jane.doe@corp.test')).toBe(NEUTRAL_AUTHOR);
    expect(publicAuthorName('x'.repeat(100))).toHaveLength(40);
  });
});
