import type { DocumentSnapshot } from 'firebase-admin/firestore';
import type { NotificationStore, OutboxEntry } from '../../app/notifications/ports.js';
import type { Page, PageRequest } from '../../app/shared/paging.js';
import { channelLimitReached, type Channel, type Delivery } from '../../domain/notifications.js';
import { dataOf, firestore, paginate, revive } from './client.js';
import { OUTBOX_KEEP_DAYS, outboxOf } from './outbox.js';

const workspace = (wsId: string) => firestore().collection('workspaces').doc(wsId);
const channelsOf = (wsId: string) => workspace(wsId).collection('notificationChannels');
const deliveriesOf = (wsId: string, channelId: string) => channelsOf(wsId).doc(channelId).collection('deliveries');

const ALREADY_EXISTS = 6;

function outboxEntry(wsId: string, snap: DocumentSnapshot): OutboxEntry {
  const data = snap.data() as { event: unknown; publishedAt: unknown; topic?: OutboxEntry['topic'] };
  return { wsId, id: snap.id, topic: data.topic ?? 'run-events', event: data.event, publishedAt: revive<Date | null>(data.publishedAt ?? null) };
}

export class FirestoreNotificationStore implements NotificationStore {
  /**
   * Counts the channels in the transaction that creates one; every create and delete also
   * writes the workspace's `notificationChannelsChangedAt`, so two concurrent creates conflict
   * and the retried one sees the other (as API keys do).
   */
  async createChannel(channel: Channel, max: number): Promise<void> {
    await firestore().runTransaction(async (tx) => {
      const [existing] = await Promise.all([tx.get(channelsOf(channel.wsId).select().limit(max)), tx.get(workspace(channel.wsId))]);
      if (existing.size >= max) throw channelLimitReached(max);
      tx.create(channelsOf(channel.wsId).doc(channel.id), channel);
      tx.update(workspace(channel.wsId), { notificationChannelsChangedAt: channel.createdAt });
    });
  }

  async getChannel(wsId: string, channelId: string): Promise<Channel | null> {
    return dataOf<Channel>(await channelsOf(wsId).doc(channelId).get());
  }

  listChannels(wsId: string, page: PageRequest): Promise<Page<Channel>> {
    const q = channelsOf(wsId).orderBy('createdAt', 'desc').orderBy('id', 'desc');
    return paginate<Channel>(q, page, ['timestamp', 'plain'], (c) => [c.createdAt, c.id]);
  }

  async channelsOf(wsId: string): Promise<Channel[]> {
    const snap = await channelsOf(wsId).get();
    return snap.docs.map((d) => revive<Channel>(d.data()));
  }

  async updateChannel(wsId: string, channelId: string, change: (channel: Channel) => Channel): Promise<Channel | null> {
    const ref = channelsOf(wsId).doc(channelId);
    return firestore().runTransaction(async (tx) => {
      const current = dataOf<Channel>(await tx.get(ref));
      if (!current) return null;
      const next = change(current);
      tx.set(ref, next);
      return next;
    });
  }

  async deleteChannel(wsId: string, channelId: string): Promise<Channel | null> {
    const ref = channelsOf(wsId).doc(channelId);
    const channel = await firestore().runTransaction(async (tx) => {
      const current = dataOf<Channel>(await tx.get(ref));
      if (!current) return null;
      tx.delete(ref);
      tx.update(workspace(wsId), { notificationChannelsChangedAt: new Date() });
      return current;
    });
    // The delivery log goes with its channel (a bounded cleanup after the channel is gone).
    if (channel) await firestore().recursiveDelete(ref);
    return channel;
  }

  async claimDelivery(delivery: Delivery, now: Date): Promise<Delivery | null> {
    const ref = deliveriesOf(delivery.wsId, delivery.channelId).doc(delivery.eventId);
    try {
      // The dedupe: one record per (event, channel); create() fails for every later copy.
      await ref.create(delivery);
      return delivery;
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    // A copy found the record: only a sender that died holding it (lease run out, nothing sent) is taken over.
    return firestore().runTransaction(async (tx) => {
      const found = dataOf<Delivery>(await tx.get(ref));
      if (!found || found.status !== 'sending' || !found.leaseUntil || found.leaseUntil.getTime() > now.getTime()) return null;
      const leaseUntil = new Date(now.getTime() + (delivery.leaseUntil!.getTime() - delivery.createdAt.getTime()));
      tx.update(ref, { leaseUntil, updatedAt: now });
      return { ...found, leaseUntil, updatedAt: now };
    });
  }

  async leaseRetry(wsId: string, channelId: string, eventId: string, attempt: number, now: Date, leaseUntil: Date): Promise<Delivery | null> {
    const ref = deliveriesOf(wsId, channelId).doc(eventId);
    return firestore().runTransaction(async (tx) => {
      const found = dataOf<Delivery>(await tx.get(ref));
      if (!found || found.attemptCount !== attempt - 1) return null;
      const stale = found.status === 'sending' && found.leaseUntil !== null && found.leaseUntil.getTime() <= now.getTime();
      if (found.status !== 'retrying' && !stale) return null;
      tx.update(ref, { status: 'sending', leaseUntil, updatedAt: now });
      return { ...found, status: 'sending', leaseUntil, updatedAt: now };
    });
  }

  async recordAttempt(wsId: string, channelId: string, eventId: string, patch: Pick<Delivery, 'status' | 'attempts' | 'attemptCount' | 'nextAttemptAt' | 'updatedAt' | 'leaseUntil'>): Promise<void> {
    await deliveriesOf(wsId, channelId).doc(eventId).update({ ...patch });
  }

  async getDelivery(wsId: string, channelId: string, eventId: string): Promise<Delivery | null> {
    return dataOf<Delivery>(await deliveriesOf(wsId, channelId).doc(eventId).get());
  }

  async overdueRetries(before: Date, limit: number): Promise<Delivery[]> {
    const snap = await firestore().collectionGroup('deliveries').where('nextAttemptAt', '<=', before).orderBy('nextAttemptAt').limit(limit).get();
    return snap.docs.map((d) => revive<Delivery>(d.data()));
  }

  listDeliveries(wsId: string, channelId: string, page: PageRequest): Promise<Page<Delivery>> {
    const q = deliveriesOf(wsId, channelId).orderBy('createdAt', 'desc').orderBy('eventId', 'desc');
    return paginate<Delivery>(q, page, ['timestamp', 'plain'], (d) => [d.createdAt, d.eventId]);
  }

  async outboxEntries(wsId: string, eventIds: readonly string[]): Promise<OutboxEntry[]> {
    if (eventIds.length === 0) return [];
    const snaps = await firestore().getAll(...eventIds.map((id) => outboxOf(wsId).doc(id)));
    return snaps.filter((s) => s.exists).map((s) => outboxEntry(wsId, s));
  }

  async markPublished(wsId: string, eventIds: readonly string[], at: Date): Promise<void> {
    const batch = firestore().batch();
    const expiresAt = new Date(at.getTime() + OUTBOX_KEEP_DAYS * 24 * 3600 * 1000);
    for (const id of eventIds) batch.update(outboxOf(wsId).doc(id), { publishedAt: at, expiresAt });
    await batch.commit();
  }

  async unpublished(before: Date, limit: number): Promise<OutboxEntry[]> {
    const snap = await firestore().collectionGroup('outbox').where('publishedAt', '==', null).where('createdAt', '<=', before).orderBy('createdAt').limit(limit).get();
    // The workspace is the outbox collection's parent document.
    return snap.docs.map((d) => outboxEntry(d.ref.parent.parent!.id, d));
  }
}
