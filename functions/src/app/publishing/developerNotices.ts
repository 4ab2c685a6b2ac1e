import type { PublisherRole } from '@agent-marketplace/contract/publishing';
import type { VersionRecord } from '../../domain/versions.js';
import type { Deps } from '../deps.js';

/** Roles that hear about their versions' progress (viewers read the portal instead). */
const NOTIFIED: readonly PublisherRole[] = ['owner', 'admin', 'developer'];

/**
 * Tells a publisher's developers by email that a version moved (scan outcome, review decision,
 * build failure, publication). Best effort and once per move: the caller sends it only when
 * its own transaction made the move, and a failed send is logged, never retried by failing the
 * pipeline (the portal shows the same state).
 */
export async function notifyDevelopers(deps: Pick<Deps, 'publishers' | 'notifiers'>, version: VersionRecord, notice: { subject: string; body: string }): Promise<void> {
  try {
    const publisher = await deps.publishers.get(version.publisherId);
    const to = Object.values(publisher?.members ?? {})
      .filter((m) => NOTIFIED.includes(m.role) && m.email)
      .map((m) => m.email!)
      .sort();
    if (to.length === 0) return;
    await deps.notifiers.email.send({
      to,
      subject: notice.subject.slice(0, 200),
      text: `${notice.body}\n\n${version.agentId}@${version.version} is now ${version.state.replace('_', ' ')}. Details: am version ${version.agentId} ${version.version} --publisher ${version.publisherId}\n(or GET /v1/publishers/${version.publisherId}/agents/${version.agentId}/versions/${version.version})\n`,
      headers: { 'X-Agent-Marketplace-Event-Type': `version.${version.state}` },
    });
  } catch (err) {
    console.error(JSON.stringify({ severity: 'WARNING', message: 'publishing: developer notice not sent', agentId: version.agentId, version: version.version, error: String(err).slice(0, 300) }));
  }
}
