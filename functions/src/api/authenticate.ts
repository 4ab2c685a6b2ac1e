import { trackSession } from '../app/accounts/sessions.js';
import { authenticateApiKey } from '../app/workspaces/apiKeys.js';
import type { Deps } from '../app/deps.js';
import type { IdTokenVerifier } from '../app/workspaces/ports.js';
import type { Principal, WorkspaceAccess } from '../app/shared/principal.js';
import { authenticateRunner } from '../app/runs/runnerReports.js';
import { AppError } from '../domain/errors.js';
import { permissionsOf } from '../domain/roles.js';
import type { Access } from './route.js';

const missing = () => new AppError('unauthenticated', 'missing_credentials', 'Sign in, or send a bearer token or API key.');

export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw new AppError('unauthenticated', 'malformed_authorization', 'The Authorization header must be "Bearer <token>".');
  return match[1];
}

export async function authenticate(
  deps: Deps,
  verifier: IdTokenVerifier,
  token: string,
  context: { userAgent?: string | undefined } = {},
): Promise<Principal> {
  if (token.startsWith('amk_')) return authenticateApiKey(deps, token);
  if (token.startsWith('rt_')) return authenticateRunner(deps, token);
  const user = await verifier.verify(token);
  // A sign-in the user revoked is refused here, whatever Firebase still accepts.
  const sessionId = await trackSession(deps, user, context.userAgent);
  return { kind: 'user', uid: user.uid, email: user.email, emailVerified: user.emailVerified, name: user.name, sessionId };
}

const noWorkspace = () => new AppError('not_found', 'workspace_not_found', 'Workspace was not found.');

/**
 * The one place tenancy and roles are enforced. A caller outside the workspace gets 404,
 * never 403, so workspace ids do not leak; a member without the permission gets 403.
 */
export async function authorize(
  deps: Deps,
  access: Access,
  principal: Principal | null,
  params: Record<string, string>,
): Promise<WorkspaceAccess | null> {
  switch (access.kind) {
    case 'public':
      return null;
    case 'user':
      if (!principal) throw missing();
      if (principal.kind !== 'user') {
        throw new AppError('forbidden', 'user_token_required', 'This route needs a signed-in user, not an API key or runner token.');
      }
      return null;
    case 'runner':
      if (!principal) throw missing();
      if (principal.kind !== 'runner') throw new AppError('forbidden', 'runner_token_required', 'This route is for agent runners only.');
      if (params['runId'] !== principal.runId) throw new AppError('not_found', 'run_not_found', 'Run was not found.');
      return null;
    case 'workspace': {
      if (!principal) throw missing();
      const wsId = params['wsId'];
      if (!wsId) throw new Error('workspace route without :wsId');
      if (principal.kind === 'user') {
        const member = await deps.workspaces.getMember(wsId, principal.uid);
        if (!member) throw noWorkspace();
        const permissions = permissionsOf(member.role);
        if (!permissions.includes(access.permission)) {
          throw new AppError('forbidden', 'insufficient_role', `Your role (${member.role}) does not allow ${access.permission}.`);
        }
        return { wsId, principal, role: member.role, permissions };
      }
      if (principal.kind === 'apiKey') {
        if (principal.wsId !== wsId) throw noWorkspace();
        if (access.apiKeys === false) {
          throw new AppError('forbidden', 'user_token_required', 'This route needs a signed-in member, not an API key.');
        }
        if (!(principal.scopes as readonly string[]).includes(access.permission)) {
          throw new AppError('forbidden', 'insufficient_scope', `This API key lacks the ${access.permission} scope.`);
        }
        return { wsId, principal, role: null, permissions: principal.scopes };
      }
      throw noWorkspace();
    }
  }
}
