import { FieldValue } from 'firebase-admin/firestore';
import type { UsageEvent } from '@agent-marketplace/contract/billing';
import type { InstallMonthUsage, LedgerEntry, UsageLedger, UsageMonth } from '../../app/billing/ports.js';
import { firestore, revive } from './client.js';

const wsRef = (wsId: string) => firestore().collection('workspaces').doc(wsId);
/** `workspaces/{ws}/usage/{eventId}`: each fact once. */
const usageOf = (wsId: string) => wsRef(wsId).collection('usage');
/** `workspaces/{ws}/usageMonths/{YYYY-MM}`: the month's counters per install. */
const monthOf = (wsId: string, month: string) => wsRef(wsId).collection('usageMonths').doc(month);

const ALREADY_EXISTS = 6;

const COUNTER: Record<UsageEvent['kind'], keyof Omit<InstallMonthUsage, 'installId' | 'agentId' | 'agentVersion'>> = {
  run: 'runs',
  compute_seconds: 'computeSeconds',
  units: 'milliUnits',
};

/** A month's counters: one line per install and agent version, keyed `<installId> <version>` (a literal map key). */
interface MonthDoc {
  lines?: Record<string, { installId: string; agentId: string; agentVersion: string; runs?: number; computeSeconds?: number; milliUnits?: number }>;
  lastAt?: unknown;
}

export class FirestoreUsageLedger implements UsageLedger {
  /**
   * One atomic batch, no transaction: the fact's document is created (create-only) and its
   * quantity added to the month's counters by a blind increment. A second delivery's create
   * fails, and with it the whole batch, so nothing is counted twice; no read is made and no
   * lock taken, so a busy workspace's facts never contend on the month's document (a
   * transaction there serialized them: 2 facts/s for one workspace in the bench). The month is
   * the fact's own (its `occurredAt`), so late or reordered deliveries count the same.
   */
  async record(event: UsageEvent, now: Date): Promise<boolean> {
    const occurredAt = new Date(event.occurredAt);
    const batch = firestore().batch();
    batch.create(usageOf(event.wsId).doc(event.id), { ...event, occurredAt, recordedAt: now, reportedAt: null });
    batch.set(
      monthOf(event.wsId, event.occurredAt.slice(0, 7)),
      {
        lines: {
          [`${event.installId} ${event.agentVersion}`]: {
            installId: event.installId,
            agentId: event.agentId,
            agentVersion: event.agentVersion,
            [COUNTER[event.kind]]: FieldValue.increment(event.quantity),
          },
        },
        lastAt: now,
      },
      { merge: true },
    );
    try {
      await batch.commit();
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === ALREADY_EXISTS) return false;
      throw err;
    }
  }

  async month(wsId: string, month: string): Promise<UsageMonth> {
    const data = (await monthOf(wsId, month).get()).data() as MonthDoc | undefined;
    const lines = Object.values(data?.lines ?? {}).map((c) => ({
      installId: c.installId,
      agentId: c.agentId,
      agentVersion: c.agentVersion,
      runs: c.runs ?? 0,
      computeSeconds: c.computeSeconds ?? 0,
      milliUnits: c.milliUnits ?? 0,
    }));
    return { month, lines, lastAt: data?.lastAt ? revive<Date>(data.lastAt) : null };
  }

  async unreported(limit: number): Promise<LedgerEntry[]> {
    const snap = await firestore().collectionGroup('usage').where('reportedAt', '==', null).orderBy('recordedAt').limit(limit).get();
    return snap.docs.map((d) => {
      const e = revive<LedgerEntry & { occurredAt: Date }>(d.data());
      return { ...e, occurredAt: e.occurredAt.toISOString() } as LedgerEntry;
    });
  }

  async markReported(entries: ReadonlyArray<Pick<LedgerEntry, 'wsId' | 'id'>>, at: Date, unbilled?: string): Promise<void> {
    const writer = firestore().bulkWriter();
    for (const e of entries) void writer.update(usageOf(e.wsId).doc(e.id), { reportedAt: at, ...(unbilled ? { unbilled } : {}) });
    await writer.close();
  }
}
