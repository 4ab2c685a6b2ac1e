import { randomUUID } from 'node:crypto';
import type { Stack } from '../lib/stack.ts';
import { json, signedInWorkspace } from './client.ts';
import { startWebhookReceiver } from './webhookReceiver.ts';
import { fmt, median, percentile } from './stats.ts';

/**
 * Event outbox written → notification delivered: a producer's outbox entry is written, flushed
 * by the platform's own flush (app/notifications/outbox.ts, with its Firestore and Pub/Sub
 * adapters, in this process), and delivered by the `deliverNotifications` function through
 * the Pub/Sub emulator to a signed webhook (a local receiver: its arrival time) and an email
 * channel (the local SMTP outbox: the delivery record's attempt end). Sequential, one event at a time.
 */
export async function benchNotifications(stack: Stack, events = 30): Promise<void> {
  const receiver = await startWebhookReceiver();

  const { headers, wsId } = await signedInWorkspace(stack, 'bench notifications');
  const channels = `${stack.urls.api}/workspaces/${wsId}/notificationChannels`;
  const hook = await json(await fetch(channels, { method: 'POST', headers, body: JSON.stringify({ kind: 'webhook', name: 'bench hook', url: receiver.url }) }));
  const mail = await json(await fetch(channels, { method: 'POST', headers, body: JSON.stringify({ kind: 'email', name: 'bench mail', to: ['bench@example.test'] }) }));

  const { firestore } = await import('../../functions/lib/adapters/firestore/client.js');
  const { FirestoreNotificationStore } = await import('../../functions/lib/adapters/firestore/notifications.js');
  const { PubSubEventBus } = await import('../../functions/lib/adapters/pubsub/eventBus.js');
  const { flushOutbox } = await import('../../functions/lib/app/notifications/outbox.js');
  const clock = { now: () => new Date() };
  const deps = { notifications: new FirestoreNotificationStore(), eventBus: new PubSubEventBus(stack.profile.projectId), clock };
  const db = firestore();

  const webhook: number[] = [];
  const email: number[] = [];
  const published: number[] = [];
  for (let i = 0; i < events + 2; i++) {
    const runId = `bench${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const event = {
      id: `run:${runId}:4`,
      type: 'run.failed',
      wsId,
      occurredAt: new Date().toISOString(),
      subject: { runId, installId: 'bench', agentId: 'probe' },
      summary: `Run ${runId} failed (bench)`,
      data: { errorCode: 'agent_exited' },
    };
    const wall0 = Date.now();
    const t0 = performance.now();
    await db.doc(`workspaces/${wsId}/outbox/${event.id}`).create({ event, createdAt: new Date(), publishedAt: null });
    await flushOutbox(deps, wsId, [event.id]);
    const t1 = performance.now();
    const deadline = Date.now() + 30_000;
    const arrived = await receiver.arrival(event.id);
    let mailDone: number | undefined;
    while (mailDone === undefined && Date.now() < deadline) {
      const d = (await db.doc(`workspaces/${wsId}/notificationChannels/${mail.id}/deliveries/${event.id}`).get()).data();
      const last = d?.['attempts']?.at(-1) as { at: { toMillis(): number }; durationMs: number; ok: boolean } | undefined;
      if (last?.ok) mailDone = last.at.toMillis() + last.durationMs - wall0;
      else await new Promise((r) => setTimeout(r, 10));
    }
    if (i < 2) continue; // the first two warm the function instance
    published.push(t1 - t0);
    webhook.push(arrived - t0);
    if (mailDone !== undefined) email.push(mailDone);
  }
  receiver.close();
  console.log(`\n== Notifications: outbox entry written → delivered (${events} events, local stack: Pub/Sub emulator, Functions emulator) ==`);
  console.log(`  outbox write + flush (published)   p50 ${fmt(median(published))}   p95 ${fmt(percentile(published, 95))}`);
  console.log(`  → signed webhook received          p50 ${fmt(median(webhook))}   p95 ${fmt(percentile(webhook, 95))}`);
  console.log(`  → email accepted by SMTP           p50 ${fmt(median(email))}   p95 ${fmt(percentile(email, 95))}   (from the delivery record, ms clock)`);
  void hook;
}
