import type { PlatformEvent } from '@agent-marketplace/contract/events';
import type { Run, RunEvent } from './models.js';

/** The platform event id of a run transition: stable per fact, so redelivery dedupes on it. */
export const runEventId = (runId: string, seq: number) => `run:${runId}:${seq}`;

/**
 * The notification a run transition causes, or null for the many that cause none (this runs
 * inside every transition: pure and cheap). Notifiable: failed, timed out, succeeded after a
 * retried attempt, and waiting for an approval. Only error codes travel, never error messages
 * (an agent's message may quote anything it read).
 */
export function runEventFor(next: Run, event: RunEvent): PlatformEvent | null {
  const type = notifiableType(next, event);
  if (!type) return null;
  const agent = `${next.agentId}@${next.agentVersion}`;
  const data: Record<string, unknown> = { state: next.state, attempt: next.attempt, maxAttempts: next.maxAttempts, reason: event.reason };
  let summary = '';
  switch (type) {
    case 'run.failed':
      data['errorCode'] = next.error?.code ?? null;
      summary = `Run ${next.id} of ${agent} failed${next.error ? ` (${next.error.code})` : ''} on attempt ${next.attempt}`;
      break;
    case 'run.timed_out':
      data['timeoutSeconds'] = next.timeoutSeconds;
      summary = `Run ${next.id} of ${agent} timed out after ${next.timeoutSeconds} s`;
      break;
    case 'run.succeeded_after_retries':
      summary = `Run ${next.id} of ${agent} succeeded on attempt ${next.attempt}`;
      break;
    case 'run.awaiting_approval':
      summary = `Run ${next.id} of ${agent} is waiting for an approval`;
      break;
  }
  return {
    id: runEventId(next.id, event.seq),
    type,
    wsId: next.wsId,
    occurredAt: event.at.toISOString(),
    subject: { runId: next.id, installId: next.installId, agentId: next.agentId },
    summary: summary.slice(0, 500),
    data,
  };
}

function notifiableType(next: Run, event: RunEvent): PlatformEvent['type'] | null {
  switch (event.to) {
    case 'failed':
      return 'run.failed';
    case 'timed_out':
      return 'run.timed_out';
    case 'succeeded':
      return next.attempt > 1 ? 'run.succeeded_after_retries' : null;
    case 'awaiting_approval':
      return event.from === 'awaiting_approval' ? null : 'run.awaiting_approval';
    default:
      return null;
  }
}
