import { z } from 'zod';
import { Name, Timestamp } from './common.js';
import { ApiKeyScope, Role } from './roles.js';

export const Plan = z.enum(['free', 'team', 'enterprise']);
export type Plan = z.infer<typeof Plan>;

export const WorkspaceOut = z.object({ id: z.string(), name: z.string(), plan: z.string(), createdAt: Timestamp, role: Role }).meta({ id: 'Workspace' });
export type Workspace = z.output<typeof WorkspaceOut>;

export const CreateWorkspaceIn = z.object({ name: Name(80) }).strict().meta({ id: 'CreateWorkspace' });
export type CreateWorkspace = z.input<typeof CreateWorkspaceIn>;

export const MeOut = z.object({ uid: z.string(), email: z.string().nullable(), emailVerified: z.boolean() }).meta({ id: 'Me' });

export const MemberOut = z.object({ uid: z.string(), role: Role, email: z.string().nullable(), addedAt: Timestamp, addedBy: z.string() }).meta({ id: 'Member' });
export type Member = z.output<typeof MemberOut>;

export const ChangeRoleIn = z.object({ role: Role }).strict().meta({ id: 'ChangeMemberRole' });

export const ApiKeyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ApiKeyScope),
    createdAt: Timestamp,
    createdBy: z.string(),
    /** The member the key acts for: it is revoked when they leave, unless re-owned first. */
    ownedBy: z.string(),
    lastUsedAt: Timestamp.nullable(),
    /** After this time the key is refused (401 api_key_expired); null: no expiry. */
    expiresAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.output<typeof ApiKeyOut>;

export const CreatedApiKeyOut = ApiKeyOut.extend({
  /** The full key. Shown once, in this response only. */
  secret: z.string(),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.output<typeof CreatedApiKeyOut>;

export const CreateApiKeyIn = z
  .object({
    name: Name(80),
    scopes: z.array(ApiKeyScope).min(1).max(ApiKeyScope.options.length),
    /** Optional: the key stops working at this time (UTC, in the future). */
    expiresAt: Timestamp.optional(),
  })
  .strict()
  .meta({ id: 'CreateApiKey' });
export type CreateApiKey = z.input<typeof CreateApiKeyIn>;

export const TransferApiKeyIn = z.object({ toUid: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'a user id') }).strict().meta({ id: 'TransferApiKey' });
export type TransferApiKey = z.input<typeof TransferApiKeyIn>;

/**
 * An invitation to join a workspace with a role. Only a signed-in user whose verified email is
 * the invited one can accept it, with the token it was created with, before it expires.
 */
export const InvitationState = z.enum(['pending', 'accepted', 'revoked', 'expired']);
export type InvitationState = z.infer<typeof InvitationState>;

export const InvitationOut = z
  .object({
    id: z.string(),
    wsId: z.string(),
    /** Normalized (trimmed, lowercase). */
    email: z.string(),
    role: Role,
    state: InvitationState,
    invitedBy: z.string(),
    createdAt: Timestamp,
    expiresAt: Timestamp,
    acceptedAt: Timestamp.nullable(),
    acceptedBy: z.string().nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.output<typeof InvitationOut>;

export const CreatedInvitationOut = InvitationOut.extend({
  /** The secret the invitee accepts with (the invitation link carries it). Shown once, in this response only. */
  token: z.string(),
}).meta({ id: 'CreatedInvitation' });
export type CreatedInvitation = z.output<typeof CreatedInvitationOut>;

export const CreateInvitationIn = z
  .object({
    email: z.email().max(254),
    role: Role,
    /** How long the invitation can be accepted, in days (default 7). */
    expiresInDays: z.number().int().min(1).max(30).optional(),
  })
  .strict()
  .meta({ id: 'CreateInvitation' });
export type CreateInvitation = z.input<typeof CreateInvitationIn>;

export const AcceptInvitationIn = z.object({ token: z.string().min(1).max(512) }).strict().meta({ id: 'AcceptInvitation' });
export type AcceptInvitation = z.input<typeof AcceptInvitationIn>;

/**
 * A session: one sign-in (Firebase's auth_time) of the user, seen by the API. Firebase keeps
 * no list of sessions; the API records each one the first time it sees a token from it.
 */
export const SessionOut = z
  .object({
    id: z.string(),
    /** When the user signed in. */
    createdAt: Timestamp,
    lastSeenAt: Timestamp,
    userAgent: z.string().nullable(),
    signInProvider: z.string().nullable(),
    /** The session of the token making this request. */
    current: z.boolean(),
  })
  .meta({ id: 'Session' });
export type Session = z.output<typeof SessionOut>;
