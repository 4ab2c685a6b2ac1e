import type { Run } from '../../domain/models.js';
import type { ApiKeyScope, Permission, Role } from '../../domain/roles.js';

/** Who is calling, after authentication. */
export type Principal =
  /** A signed-in user; `sessionId` names the sign-in their token comes from (app/accounts/sessions.ts). */
  | { kind: 'user'; uid: string; email: string | null; emailVerified: boolean; name: string | null; sessionId: string }
  /** `actsFor`: the member the key acts for (its owner): the requester of what it starts. */
  | { kind: 'apiKey'; wsId: string; keyId: string; scopes: readonly ApiKeyScope[]; actsFor: string }
  /** `run` is the run as read when the token was checked: it spares the handler a second read. */
  | { kind: 'runner'; wsId: string; runId: string; attempt: number; run: Run }
  /** A verified inbound webhook of one install (never an authenticated API caller). */
  | { kind: 'webhook'; wsId: string; installId: string }
  /** The platform itself (the scheduler): never an API caller. */
  | { kind: 'system'; wsId: string; name: string };

/** A principal admitted to one workspace, with what it may do there. */
export interface WorkspaceAccess {
  wsId: string;
  principal: Principal;
  role: Role | null;
  permissions: readonly Permission[];
}

/** The id recorded as "who did it" on documents and events. */
export function actorId(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return p.uid;
    case 'apiKey':
      return `apikey:${p.keyId}`;
    case 'runner':
      return `runner:${p.runId}`;
    case 'webhook':
      return `webhook:${p.installId}`;
    case 'system':
      return `system:${p.name}`;
  }
}
