import type { ApiKey, Invitation, Member, Workspace } from '../../domain/models.js';
import type { Role } from '../../domain/roles.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** What the workspace, member and API key use cases need from the outside world. */
export interface WorkspaceStore {
  /** Whether any workspace the user belongs to has installed the agent. */
  userHasInstalled(uid: string, agentId: string): Promise<boolean>;
  /** Creates the workspace with its owner, unless the owner already created `maxPerUser` (workspace_limit_reached). */
  create(ws: Workspace, owner: Member, maxPerUser: number): Promise<void>;
  get(wsId: string): Promise<Workspace | null>;
  /** Sets the workspace's monthly spend cap (minor units; null: none), creating its billing record if it has none. */
  setSpendCap(wsId: string, capMinor: number | null): Promise<void>;
  getMember(wsId: string, uid: string): Promise<Member | null>;
  listMembers(wsId: string, page: PageRequest): Promise<Page<Member>>;
  listForUser(uid: string, page: PageRequest): Promise<Page<{ workspace: Workspace; role: Role }>>;
  /** Adds or changes a member; refuses to leave the workspace without an owner. */
  putMember(member: Member): Promise<void>;
  /**
   * Removes a member and, in the same transaction, revokes the workspace's API keys they own
   * (a key must not outlive the member it acts for); refuses to remove the last owner.
   */
  removeMember(wsId: string, uid: string, at: Date): Promise<{ revokedKeys: string[] }>;
}

export interface ApiKeyStore {
  /** Creates the key, unless the workspace already has `maxOpen` keys not revoked (api_key_limit_reached). */
  create(key: ApiKey, maxOpen: number): Promise<void>;
  get(wsId: string, keyId: string): Promise<ApiKey | null>;
  list(wsId: string, page: PageRequest): Promise<Page<ApiKey>>;
  revoke(wsId: string, keyId: string, at: Date): Promise<ApiKey | null>;
  touch(wsId: string, keyId: string, at: Date): Promise<void>;
  /**
   * Re-owns a key in one transaction: reads the key and the new owner's membership, lets
   * `decide` check them (it throws to refuse) and stores what it returns. Null: no such key.
   */
  transfer(wsId: string, keyId: string, toUid: string, decide: (key: ApiKey, target: Member | null) => ApiKey): Promise<ApiKey | null>;
}

export interface InvitationStore {
  create(inv: Invitation): Promise<void>;
  get(wsId: string, id: string): Promise<Invitation | null>;
  /** Newest first. */
  list(wsId: string, page: PageRequest): Promise<Page<Invitation>>;
  /** In one transaction: re-reads the invitation, lets `decide` change it (or throw), stores it. Null: no such invitation. */
  update(wsId: string, id: string, decide: (inv: Invitation) => Invitation): Promise<Invitation | null>;
  /**
   * Accepting, in one transaction: re-reads the invitation and the user's membership, lets
   * `decide` check them (it throws to refuse), then writes the new member (keeping the
   * workspace's owner count) and the accepted invitation.
   */
  accept(
    wsId: string,
    id: string,
    uid: string,
    decide: (inv: Invitation, existing: Member | null) => { member: Member; invitation: Invitation },
  ): Promise<{ member: Member; invitation: Invitation } | null>;
}

/** What a verified Firebase ID token says about its user and the sign-in it comes from. */
export interface VerifiedIdToken {
  uid: string;
  email: string | null;
  emailVerified: boolean;
  /** The profile's display name (a provider's, or set by the user); never derived from the email. */
  name: string | null;
  /** When the user signed in: constant across the token refreshes of one sign-in. */
  authTime: Date;
  signInProvider: string | null;
}

/** Verifies Firebase ID tokens (firebase-admin, in production and against the Auth emulator). */
export interface IdTokenVerifier {
  verify(token: string): Promise<VerifiedIdToken>;
}
