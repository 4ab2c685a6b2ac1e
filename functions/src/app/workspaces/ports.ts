import type { ApiKey, Member, Workspace } from '../../domain/models.js';
import type { Role } from '../../domain/roles.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** What the workspace, member and API key use cases need from the outside world. */
export interface WorkspaceStore {
  /** Whether any workspace the user belongs to has installed the agent. */
  userHasInstalled(uid: string, agentId: string): Promise<boolean>;
  /** Creates the workspace with its owner, unless the owner already created `maxPerUser` (workspace_limit_reached). */
  create(ws: Workspace, owner: Member, maxPerUser: number): Promise<void>;
  get(wsId: string): Promise<Workspace | null>;
  getMember(wsId: string, uid: string): Promise<Member | null>;
  listMembers(wsId: string, page: PageRequest): Promise<Page<Member>>;
  listForUser(uid: string, page: PageRequest): Promise<Page<{ workspace: Workspace; role: Role }>>;
  /** Adds or changes a member; refuses to leave the workspace without an owner. */
  putMember(member: Member): Promise<void>;
  removeMember(wsId: string, uid: string): Promise<void>;
}

export interface ApiKeyStore {
  /** Creates the key, unless the workspace already has `maxOpen` keys not revoked (api_key_limit_reached). */
  create(key: ApiKey, maxOpen: number): Promise<void>;
  get(wsId: string, keyId: string): Promise<ApiKey | null>;
  list(wsId: string, page: PageRequest): Promise<Page<ApiKey>>;
  revoke(wsId: string, keyId: string, at: Date): Promise<ApiKey | null>;
  touch(wsId: string, keyId: string, at: Date): Promise<void>;
}

export interface UserDirectory {
  findByEmail(email: string): Promise<{ uid: string; email: string } | null>;
}

/** Verifies Firebase ID tokens (firebase-admin, in production and against the Auth emulator). */
export interface IdTokenVerifier {
  verify(token: string): Promise<{ uid: string; email: string | null }>;
}
