import { verificationWorthRecording } from '../../domain/cloud/connections.js';
import type { Install, Run } from '../../domain/models.js';
import type { Deps } from '../deps.js';
import { verifyScopes } from './connections.js';

/**
 * Before a run of a connected install starts: does the connection still hold every permission
 * the consented scopes need? A grant revoked on the customer's side fails the run here, with
 * the list, instead of midway through the agent's work. Null when the run may start.
 */
export async function cloudPreflight(deps: Pick<Deps, 'connections' | 'cloudProviders' | 'clock'>, run: Run, install: Install): Promise<{ code: string; message: string } | null> {
  if (!install.connection) return null;
  const connection = await deps.connections.get(run.wsId, install.connection.id);
  if (!connection) return { code: 'cloud_not_connected', message: 'The install’s cloud connection was removed; choose another in the install wizard.' };
  const verification = await verifyScopes(deps, connection, install.consent?.scopes ?? [], run.id);
  // Kept on the connection too (the wizard shows what the last check found), when it is news.
  if (verificationWorthRecording(connection.verification, verification)) await deps.connections.setVerification(run.wsId, connection.id, verification).catch(() => undefined);
  if (verification.error) return { code: verification.error.code, message: `The connection could not be checked before the run: ${verification.error.message}` };
  if (!verification.ok) {
    const list = verification.missing.map((m) => (m.permissions.length ? `${m.scope} (${m.permissions.join(', ')})` : `${m.scope} (not available on ${connection.provider})`)).join('; ');
    return {
      code: 'cloud_grant_missing',
      message: `The connection "${connection.name}" lacks what this agent needs: ${list}. Grant it (the install's cloud grant lists the commands) and run again.`,
    };
  }
  return null;
}
