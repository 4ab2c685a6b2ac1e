import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '@agent-marketplace/client';
import { adminDb } from '../support/admin.ts';
import { call } from '../support/http.ts';
import { eventually, mailTo, publishEvent, sleep, startReceiver, testEvent } from '../support/notify.ts';
import { finished, installProbe, tickWatchdog, trigger, waitFor } from '../support/probe.ts';
import { runAsFunctions } from '../support/stack.ts';
import { newWorkspace, type TestWorkspace } from '../support/users.ts';

/**
 * Notifications end to end on the stack: events published to `run-events` (by the test, by
 * the outbox flush, by a real failing run) reach each channel of the workspace once, filtered,
 * signed; internal destinations are refused and logged on the delivery; a failing receiver is
 * retried and blocks nobody.
 */
let ws: TestWorkspace;
let good: Awaited<ReturnType<typeof startReceiver>>;
let failing: Awaited<ReturnType<typeof startReceiver>>;
const email = `alerts-${randomUUID().slice(0, 8)}@example.test`;
const channels: Record<string, { id: string; signingSecret: string | null }> = {};

async function addChannel(name: string, body: Record<string, unknown>) {
  const res = await call('POST', `/workspaces/${ws.id}/notificationChannels`, { token: ws.owner.idToken, body: { name, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  channels[name] = { id: res.body.id, signingSecret: res.body.signingSecret };
  return res.body;
}

async function deliveries(name: string) {
  const res = await call('GET', `/workspaces/${ws.id}/notificationChannels/${channels[name]!.id}/deliveries?limit=100`, { token: ws.owner.idToken });
  expect(res.status).toBe(200);
  return res.body.items as any[];
}

const hooksAt = (path: string) => good.received.filter((r) => r.path === path);

beforeAll(async () => {
  ws = await newWorkspace();
  good = await startReceiver();
  failing = await startReceiver(() => 500);
  await addChannel('mail', { kind: 'email', to: [email] });
  await addChannel('slack', { kind: 'slack', webhookUrl: `${good.url}/slack` });
  await addChannel('hook', { kind: 'webhook', url: `${good.url}/hook` });
  await addChannel('approvals-only', { kind: 'webhook', url: `${good.url}/approvals`, events: ['approval.requested'] });
  await addChannel('broken', { kind: 'webhook', url: `${failing.url}/down` });
  await addChannel('by-name', { kind: 'webhook', url: `http://localhost:${good.port}/by-name` });
});

afterAll(async () => {
  await good?.close();
  await failing?.close();
});

describe('notifications', () => {
  it('an event published three times reaches each matching channel once, signed', { timeout: 90_000 }, async () => {
    const event = testEvent(ws.id, 'run.failed');
    await Promise.all([publishEvent(event), publishEvent(event), publishEvent(event)]);

    const mails = await eventually('the email', async () => ((await mailTo(email)).some((m) => m.headers['x-agent-marketplace-event-id'] === event.id) ? mailTo(email) : undefined));
    const hook = await eventually('the webhook', async () => hooksAt('/hook').find((r) => r.headers[WEBHOOK_HEADERS.eventId.toLowerCase()] === event.id));
    await eventually('the Slack message', async () => hooksAt('/slack').find((r) => r.body.includes(event.id)));
    await eventually('the failing receiver', async () => (failing.received.length > 0 ? true : undefined));
    // Give stragglers (the second and third copies) time to arrive, if they were going to.
    await sleep(3000);

    expect(mails.filter((m) => m.headers['x-agent-marketplace-event-id'] === event.id)).toHaveLength(1);
    expect(mails[0]!.subject).toContain('run.failed');
    expect(hooksAt('/hook').filter((r) => r.headers[WEBHOOK_HEADERS.eventId.toLowerCase()] === event.id)).toHaveLength(1);
    expect(hooksAt('/slack').filter((r) => r.body.includes(event.id))).toHaveLength(1);
    expect(hooksAt('/approvals')).toHaveLength(0);
    expect(hooksAt('/by-name')).toHaveLength(0);

    // The receiver verifies the signature with the client's helper, over the raw body.
    expect(hook.headers[WEBHOOK_HEADERS.eventType.toLowerCase()]).toBe('run.failed');
    const verified = await verifyWebhookSignature({ header: hook.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string, body: hook.body, secret: channels['hook']!.signingSecret! });
    expect(verified.ok).toBe(true);
    expect(JSON.parse(hook.body)).toEqual(event);
    expect((await verifyWebhookSignature({ header: hook.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string, body: hook.body, secret: 'whsec_wrong' })).ok).toBe(false);

    const [hookLog] = await deliveries('hook');
    expect(hookLog).toMatchObject({ eventId: event.id, eventType: 'run.failed', status: 'delivered', attemptCount: 1, attempts: [{ ok: true, httpStatus: 200 }] });
    expect((await deliveries('mail'))[0]).toMatchObject({ eventId: event.id, status: 'delivered', attempts: [{ ok: true, smtpResponse: expect.stringMatching(/^250/) }] });

    // A name resolving to 127.0.0.1 is refused although 127.0.0.1 itself is allowed, and logged.
    const refused = await eventually('the refusal', async () => (await deliveries('by-name')).find((d) => d.eventId === event.id && d.status === 'refused'));
    expect(refused.attempts[0]).toMatchObject({ ok: false, error: { code: 'destination_not_allowed', message: expect.stringMatching(/localhost/) } });

    // The failing receiver is retried (locally at once: the Cloud Tasks emulator ignores schedule times) and each attempt recorded.
    const broken = await eventually('the retries', async () => (await deliveries('broken')).find((d) => d.eventId === event.id && d.attemptCount >= 2));
    expect(broken.attempts.every((a: any) => a.httpStatus === 500 && !a.ok)).toBe(true);
    expect(broken.attempts.map((a: any) => a.n)).toEqual(broken.attempts.map((_: unknown, i: number) => i + 1));
  });

  it('internal addresses stored on a channel (bypassing the API check) are refused at send time and logged', { timeout: 60_000 }, async () => {
    // The API refuses these URLs when a channel is created (test/api/notifications.test.ts); a
    // channel holding one anyway (an older document, a policy change) is still refused when sending.
    const hook = (await adminDb.doc(`workspaces/${ws.id}/notificationChannels/${channels['hook']!.id}`).get()).data()!;
    for (const [id, url] of [['metadata', 'http://169.254.169.254/computeMetadata/v1/'], ['private', 'http://10.0.0.1/hook']] as const) {
      await adminDb.doc(`workspaces/${ws.id}/notificationChannels/${id}`).set({ ...hook, id, name: id, webhook: { ...hook['webhook'], url } });
      channels[id] = { id, signingSecret: null };
    }
    const event = testEvent(ws.id, 'run.failed');
    await publishEvent(event);
    for (const id of ['metadata', 'private']) {
      const d = await eventually(`the ${id} refusal`, async () => (await deliveries(id)).find((x) => x.eventId === event.id && x.status !== 'sending'));
      expect(d).toMatchObject({ status: 'refused', attemptCount: 1, nextAttemptAt: null, attempts: [{ ok: false, httpStatus: null, error: { code: 'destination_not_allowed' } }] });
    }
    for (const id of ['metadata', 'private']) await adminDb.doc(`workspaces/${ws.id}/notificationChannels/${id}`).delete();
  });

  it('the filter lets an approval event through to the channel that asks for approvals only', { timeout: 60_000 }, async () => {
    const event = testEvent(ws.id, 'approval.requested', { id: `approval:a${randomUUID().slice(0, 8)}:0`, subject: { approvalId: 'a1', runId: 'r1' }, summary: 'vm.stop on vm-1 needs an approval (level 1 of 2)' });
    await publishEvent(event);
    await eventually('the approval webhook', async () => hooksAt('/approvals').find((r) => r.body.includes(event.id)));
    await eventually('the hook', async () => hooksAt('/hook').find((r) => r.body.includes(event.id)));
    expect(hooksAt('/approvals')).toHaveLength(1);
  });

  it('an outbox entry flushed three times is published and delivered once', { timeout: 60_000 }, async () => {
    runAsFunctions();
    const { getDeps } = await import('../../functions/src/triggers/deps.ts');
    const { deps } = await getDeps();
    const event = testEvent(ws.id, 'run.timed_out');
    await adminDb.doc(`workspaces/${ws.id}/outbox/${event.id}`).set({ event, createdAt: new Date(), publishedAt: null });
    await Promise.all([deps.events.flush(ws.id, [event.id]), deps.events.flush(ws.id, [event.id]), deps.events.flush(ws.id, [event.id])]);
    expect((await adminDb.doc(`workspaces/${ws.id}/outbox/${event.id}`).get()).get('publishedAt')).not.toBeNull();
    await eventually('the webhook', async () => hooksAt('/hook').find((r) => r.body.includes(event.id)));
    await eventually('the email', async () => ((await mailTo(email)).some((m) => m.headers['x-agent-marketplace-event-id'] === event.id) ? true : undefined));
    await sleep(2000);
    expect(hooksAt('/hook').filter((r) => r.body.includes(event.id))).toHaveLength(1);
    expect((await mailTo(email)).filter((m) => m.headers['x-agent-marketplace-event-id'] === event.id)).toHaveLength(1);
  });

  it('the watchdog sweep publishes an entry no flush published; a fresh one is left to its flush', { timeout: 60_000 }, async () => {
    const stale = testEvent(ws.id, 'run.failed');
    const fresh = testEvent(ws.id, 'run.failed');
    await adminDb.doc(`workspaces/${ws.id}/outbox/${stale.id}`).set({ event: stale, createdAt: new Date(Date.now() - 60_000), publishedAt: null });
    await adminDb.doc(`workspaces/${ws.id}/outbox/${fresh.id}`).set({ event: fresh, createdAt: new Date(), publishedAt: null });
    await tickWatchdog();
    expect((await adminDb.doc(`workspaces/${ws.id}/outbox/${stale.id}`).get()).get('publishedAt')).not.toBeNull();
    expect((await adminDb.doc(`workspaces/${ws.id}/outbox/${fresh.id}`).get()).get('publishedAt')).toBeNull();
    await eventually('the swept event', async () => hooksAt('/hook').find((r) => r.body.includes(stale.id)));
    await adminDb.doc(`workspaces/${ws.id}/outbox/${fresh.id}`).delete();
  });

  it('a delivery whose sender died is taken over after its lease; a live one is left alone', { timeout: 60_000 }, async () => {
    const dead = testEvent(ws.id, 'run.failed');
    const live = testEvent(ws.id, 'run.failed');
    const record = (event: typeof dead, leaseUntil: Date) => ({
      eventId: event.id, eventType: event.type, channelId: channels['hook']!.id, wsId: ws.id, status: 'sending', attemptCount: 0, attempts: [],
      event, test: false, createdAt: new Date(Date.now() - 120_000), updatedAt: new Date(Date.now() - 120_000), nextAttemptAt: null, leaseUntil,
    });
    const base = `workspaces/${ws.id}/notificationChannels/${channels['hook']!.id}/deliveries`;
    await adminDb.doc(`${base}/${dead.id}`).set(record(dead, new Date(Date.now() - 60_000)));
    await adminDb.doc(`${base}/${live.id}`).set(record(live, new Date(Date.now() + 600_000)));
    await publishEvent(dead);
    await publishEvent(live);
    await eventually('the taken-over delivery', async () => hooksAt('/hook').find((r) => r.body.includes(dead.id)));
    await eventually('its record', async () => ((await adminDb.doc(`${base}/${dead.id}`).get()).get('status') === 'delivered' ? true : undefined));
    await sleep(2000);
    expect(hooksAt('/hook').filter((r) => r.body.includes(live.id))).toHaveLength(0);
    expect((await adminDb.doc(`${base}/${live.id}`).get()).get('status')).toBe('sending');
  });

  it('a webhook retry whose task was lost is enqueued again by the watchdog', { timeout: 60_000 }, async () => {
    const event = testEvent(ws.id, 'run.failed');
    const at = new Date(Date.now() - 15 * 60_000);
    const attempt = { n: 1, at, ok: false, httpStatus: 503, smtpResponse: null, error: { code: 'http_error', message: 'The receiver answered HTTP 503.' }, durationMs: 3 };
    const path = `workspaces/${ws.id}/notificationChannels/${channels['hook']!.id}/deliveries/${event.id}`;
    await adminDb.doc(path).set({
      eventId: event.id, eventType: event.type, channelId: channels['hook']!.id, wsId: ws.id, status: 'retrying', attemptCount: 1, attempts: [attempt],
      event, test: false, createdAt: at, updatedAt: at, nextAttemptAt: new Date(Date.now() - 10 * 60_000), leaseUntil: null,
    });
    await tickWatchdog();
    const hook = await eventually('the retried webhook', async () => hooksAt('/hook').find((r) => r.body.includes(event.id)));
    expect(hook.headers['agent-marketplace-delivery-attempt']).toBe('2');
    await eventually('the record', async () => ((await adminDb.doc(path).get()).get('status') === 'delivered' ? true : undefined));
    expect((await adminDb.doc(path).get()).get('attemptCount')).toBe(2);
  });

  it('a malformed message is acknowledged and delivers nothing', { timeout: 30_000 }, async () => {
    const before = good.received.length;
    await publishEvent('{"not":"an event"', 'junk');
    await publishEvent({ ...testEvent(ws.id), type: 'run.exploded' }, 'bad-type');
    await sleep(2000);
    expect(good.received.length).toBe(before);
  });

  it('a run that fails produces exactly one run.failed delivery per channel, while a receiver fails', { timeout: 120_000 }, async () => {
    const installId = await installProbe(ws, { concurrency: null, maxAttempts: 1, backoffSeconds: 1 });
    const res = await trigger(ws, installId, { mode: 'exit', code: 3 });
    expect(res.status).toBe(201);
    const run = await waitFor(ws, res.body.id, finished);
    expect(run.state).toBe('failed');
    const hook = await eventually('the run.failed webhook', async () => hooksAt('/hook').find((r) => JSON.parse(r.body).subject?.runId === run.id));
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'run.failed', wsId: ws.id, subject: { runId: run.id, installId }, data: { errorCode: 'agent_exited' } });
    await sleep(3000);
    const forRun = (await deliveries('hook')).filter((d) => d.eventId.startsWith(`run:${run.id}:`));
    expect(forRun).toHaveLength(1);
    expect(forRun[0]).toMatchObject({ eventType: 'run.failed', status: 'delivered' });
    expect(hooksAt('/hook').filter((r) => JSON.parse(r.body).subject?.runId === run.id)).toHaveLength(1);
    // Its outbox entry was published by the flush after the transition (not left for the sweep).
    const outbox = await adminDb.collection(`workspaces/${ws.id}/outbox`).where('event.subject.runId', '==', run.id).get();
    expect(outbox.docs.map((d) => d.id)).toEqual([forRun[0].eventId]);
    expect(outbox.docs[0]!.get('publishedAt')).not.toBeNull();
  });

  it('a run that succeeds after a retry produces run.succeeded_after_retries', { timeout: 120_000 }, async () => {
    const installId = await installProbe(ws, { concurrency: null, maxAttempts: 2, backoffSeconds: 1 });
    const res = await trigger(ws, installId, { mode: 'fail-once' });
    const run = await waitFor(ws, res.body.id, finished, 90_000);
    expect(run.state).toBe('succeeded');
    const hook = await eventually('the webhook', async () => hooksAt('/hook').find((r) => JSON.parse(r.body).subject?.runId === run.id));
    expect(JSON.parse(hook.body).type).toBe('run.succeeded_after_retries');
  });
});
