import type { Deps } from '../deps.js';
import type { OutboxEntry } from './ports.js';

/**
 * The event outbox: producers write `workspaces/{wsId}/outbox/{eventId}` in the transaction of
 * the fact (so an event exists exactly when its fact does), flush it right after commit, and
 * the watchdog's sweep publishes whatever a flush missed (a crash between commit and publish,
 * a topic hiccup). Publishing twice is harmless: consumers dedupe on the event id.
 */

/** Entries left unpublished this long are the sweep's (a flush normally takes milliseconds). */
export const SWEEP_AFTER_MS = 30_000;
export const SWEEP_BATCH = 200;

type OutboxDeps = Pick<Deps, 'notifications' | 'eventBus' | 'clock'>;

const warn = (message: string, extra: Record<string, unknown>) => console.error(JSON.stringify({ severity: 'WARNING', message, ...extra }));

/** Publishes the entries; marks those that went. Returns the ids published. */
async function publishAll(deps: OutboxDeps, entries: OutboxEntry[]): Promise<OutboxEntry[]> {
  const sent: OutboxEntry[] = [];
  await Promise.all(
    entries.map(async (e) => {
      try {
        await deps.eventBus.publish(e.id, e.event, e.topic);
        sent.push(e);
      } catch (err) {
        warn('outbox: publish failed; the sweep will retry', { wsId: e.wsId, eventId: e.id, error: String(err) });
      }
    }),
  );
  const byWs = new Map<string, string[]>();
  for (const e of sent) byWs.set(e.wsId, [...(byWs.get(e.wsId) ?? []), e.id]);
  const at = deps.clock.now();
  await Promise.all([...byWs].map(([wsId, ids]) => deps.notifications.markPublished(wsId, ids, at)));
  return sent;
}

/** Publishes these entries now. Never throws: what fails is left for the sweep. */
export async function flushOutbox(deps: OutboxDeps, wsId: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  try {
    const entries = await deps.notifications.outboxEntries(wsId, eventIds);
    await publishAll(
      deps,
      entries.filter((e) => e.publishedAt === null),
    );
  } catch (err) {
    warn('outbox: flush failed; the sweep will publish', { wsId, eventIds, error: String(err) });
  }
}

/** Publishes entries still unpublished after SWEEP_AFTER_MS, one bounded batch (the watchdog calls it every minute). */
export async function sweepOutbox(deps: OutboxDeps, now: Date, limit = SWEEP_BATCH): Promise<{ found: number; published: number }> {
  const entries = await deps.notifications.unpublished(new Date(now.getTime() - SWEEP_AFTER_MS), limit);
  const sent = await publishAll(deps, entries);
  return { found: entries.length, published: sent.length };
}
