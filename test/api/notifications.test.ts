import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '@agent-marketplace/client';
import { MAX_NOTIFICATION_CHANNELS } from '@agent-marketplace/contract';
import { adminDb } from '../support/admin.ts';
import { call, codeOf } from '../support/http.ts';
import { mailTo, startReceiver } from '../support/notify.ts';
import { addMember, newWorkspace, type TestWorkspace } from '../support/users.ts';

/** The notification channel API: who may manage channels, what is shown of their secrets, limits, test sends, rotation. */
let ws: TestWorkspace;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const base = () => `/workspaces/${ws.id}/notificationChannels`;

beforeAll(async () => {
  ws = await newWorkspace();
  receiver = await startReceiver((path) => (path === '/gone' ? 410 : 200));
});
afterAll(() => receiver?.close());

const create = (body: Record<string, unknown>, token = ws.owner.idToken) => call('POST', base(), { token, body });

describe('notification channels', () => {
  it('creates each kind; the webhook secret is shown once; the Slack URL never again', async () => {
    const hook = await create({ kind: 'webhook', name: 'Ops hook', url: `${receiver.url}/hook`, events: ['run.failed', 'run.failed'] });
    expect(hook.status).toBe(201);
    expect(hook.body).toMatchObject({ kind: 'webhook', url: `${receiver.url}/hook`, events: ['run.failed'], enabled: true, to: null, webhookUrlHint: null });
    expect(hook.body.signingSecret).toMatch(/^whsec_/);
    expect(hook.body.secretPrefix).toBe(hook.body.signingSecret.slice(0, 10));

    const slackUrl = `${receiver.url}/services/T000/B000/SECRETPART123`;
    const slack = await create({ kind: 'slack', name: 'Slack', webhookUrl: slackUrl });
    expect(slack.status).toBe(201);
    expect(slack.body.signingSecret).toBeNull();
    expect(slack.body.webhookUrlHint).toBe(`127.0.0.1:${receiver.port}/…T123`);

    const mail = await create({ kind: 'email', name: 'Mail', to: ['Ops@Example.test', 'ops@example.test', 'b@example.test'] });
    expect(mail.status).toBe(201);
    expect(mail.body.to).toEqual(['ops@example.test', 'b@example.test']);

    const listed = await call('GET', base(), { token: ws.owner.idToken });
    expect(listed.status).toBe(200);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(hook.body.signingSecret);
    expect(text).not.toContain('SECRETPART123');
    const got = await call('GET', `${base()}/${slack.body.id}`, { token: ws.owner.idToken });
    expect(JSON.stringify(got.body)).not.toContain('SECRETPART123');
    // Nor in Firestore: the documents keep references to the secret store.
    const stored = JSON.stringify((await adminDb.doc(`workspaces/${ws.id}/notificationChannels/${slack.body.id}`).get()).data());
    expect(stored).not.toContain('SECRETPART123');
    expect(JSON.stringify((await adminDb.doc(`workspaces/${ws.id}/notificationChannels/${hook.body.id}`).get()).data())).not.toContain(hook.body.signingSecret);
  });

  it('validates destinations: internal literals, other schemes, credentials in URLs, Slack hosts', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'http://[::1]/x', 'http://0.0.0.0/x']) {
      const res = await create({ kind: 'webhook', name: 'x', url });
      expect(res.status, url).toBe(400);
      expect(codeOf(res)).toBe('destination_not_allowed');
    }
    expect(codeOf(await create({ kind: 'webhook', name: 'x', url: 'ftp://example.test/x' }))).toBe('validation_failed');
    expect(codeOf(await create({ kind: 'webhook', name: 'x', url: 'https://user:pw@example.test/x' }))).toBe('validation_failed');
    expect(codeOf(await create({ kind: 'slack', name: 'x', webhookUrl: 'https://evil.example.test/services/x' }))).toBe('slack_url_invalid');
    expect((await create({ kind: 'slack', name: 'x', webhookUrl: 'https://hooks.slack.com/services/T/B/C' })).status).toBe(201);
    expect(codeOf(await create({ kind: 'email', name: 'x', to: [] }))).toBe('validation_failed');
    expect(codeOf(await create({ kind: 'email', name: 'x', to: Array.from({ length: 21 }, (_, i) => `a${i}@example.test`) }))).toBe('validation_failed');
    expect(codeOf(await create({ kind: 'pager', name: 'x' }))).toBe('validation_failed');
    expect(codeOf(await create({ kind: 'webhook', name: 'x', url: 'https://example.test/x', events: ['run.exploded'] }))).toBe('validation_failed');
  });

  it('updates name, filter, state and destination; refuses a field of another kind', async () => {
    const hook = await create({ kind: 'webhook', name: 'Before', url: `${receiver.url}/a` });
    const path = `${base()}/${hook.body.id}`;
    const patched = await call('PATCH', path, { token: ws.owner.idToken, body: { name: 'After', events: ['approval.requested'], enabled: false, url: `${receiver.url}/b` } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'After', events: ['approval.requested'], enabled: false, url: `${receiver.url}/b` });
    expect(codeOf(await call('PATCH', path, { token: ws.owner.idToken, body: { to: ['a@example.test'] } }))).toBe('channel_kind_mismatch');
    expect(codeOf(await call('PATCH', path, { token: ws.owner.idToken, body: { url: 'http://10.0.0.1/' } }))).toBe('destination_not_allowed');
    expect(codeOf(await call('GET', `${base()}/nope`, { token: ws.owner.idToken }))).toBe('notification_channel_not_found');
  });

  it('sends a test now and answers the result; a failing receiver is reported, not retried', async () => {
    const hook = await create({ kind: 'webhook', name: 'Test me', url: `${receiver.url}/test-hook` });
    const res = await call('POST', `${base()}/${hook.body.id}:test`, { token: ws.owner.idToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'delivered', test: true, attemptCount: 1, attempts: [{ ok: true, httpStatus: 200 }] });
    const got = receiver.received.find((r) => r.path === '/test-hook')!;
    expect(await verifyWebhookSignature({ header: got.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string, body: got.body, secret: hook.body.signingSecret })).toMatchObject({ ok: true });
    expect(JSON.parse(got.body)).toMatchObject({ id: res.body.eventId, data: { test: true } });

    const gone = await create({ kind: 'webhook', name: 'Gone', url: `${receiver.url}/gone` });
    const failed = await call('POST', `${base()}/${gone.body.id}:test`, { token: ws.owner.idToken });
    expect(failed.body).toMatchObject({ status: 'failed', attempts: [{ ok: false, httpStatus: 410, error: { code: 'http_error' } }], nextAttemptAt: null });

    const to = `test-${randomUUID().slice(0, 8)}@example.test`;
    const mail = await create({ kind: 'email', name: 'Mail test', to: [to] });
    const sent = await call('POST', `${base()}/${mail.body.id}:test`, { token: ws.owner.idToken });
    expect(sent.body).toMatchObject({ status: 'delivered', attempts: [{ ok: true, smtpResponse: expect.stringMatching(/^250 /) }] });
    const [message] = await mailTo(to);
    expect(message).toMatchObject({ to: [to], subject: expect.stringContaining('Test notification') });

    const log = await call('GET', `${base()}/${hook.body.id}/deliveries`, { token: ws.owner.idToken });
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ eventId: res.body.eventId, status: 'delivered' });
  });

  it('rotates a webhook secret: the new one is shown once, and both sign for a while', async () => {
    const hook = await create({ kind: 'webhook', name: 'Rotate', url: `${receiver.url}/rotate` });
    const rotated = await call('POST', `${base()}/${hook.body.id}:rotateSecret`, { token: ws.owner.idToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.signingSecret).toMatch(/^whsec_/);
    expect(rotated.body.signingSecret).not.toBe(hook.body.signingSecret);
    expect(rotated.body.channel.secretPrefix).toBe(rotated.body.signingSecret.slice(0, 10));
    await call('POST', `${base()}/${hook.body.id}:test`, { token: ws.owner.idToken });
    const got = receiver.received.filter((r) => r.path === '/rotate').at(-1)!;
    const header = got.headers[WEBHOOK_HEADERS.signature.toLowerCase()] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    for (const secret of [hook.body.signingSecret, rotated.body.signingSecret]) expect((await verifyWebhookSignature({ header, body: got.body, secret })).ok).toBe(true);
    const mail = await create({ kind: 'email', name: 'No secret', to: ['x@example.test'] });
    expect(codeOf(await call('POST', `${base()}/${mail.body.id}:rotateSecret`, { token: ws.owner.idToken }))).toBe('channel_has_no_secret');
  });

  it('owners and admins manage channels; other roles and API keys are refused', async () => {
    const admin = await addMember(ws, 'admin');
    expect((await create({ kind: 'email', name: 'By admin', to: ['a@example.test'] }, admin.idToken)).status).toBe(201);
    for (const role of ['operator', 'viewer', 'approver', 'billing'] as const) {
      const member = await addMember(ws, role);
      expect(codeOf(await call('GET', base(), { token: member.idToken })), role).toBe('insufficient_role');
      expect(codeOf(await create({ kind: 'email', name: 'x', to: ['a@example.test'] }, member.idToken))).toBe('insufficient_role');
    }
    const key = await call('POST', `/workspaces/${ws.id}/api-keys`, { token: ws.owner.idToken, body: { name: 'k', scopes: ['workspace.read', 'runs.read'] } });
    expect(codeOf(await call('GET', base(), { token: key.body.secret }))).toBe('user_token_required');
    const other = await newWorkspace();
    expect((await call('GET', base(), { token: other.owner.idToken })).status).toBe(404);
  });

  it('deletes a channel with its secrets and log; pages the list', async () => {
    const hook = await create({ kind: 'webhook', name: 'Delete me', url: `${receiver.url}/del` });
    await call('POST', `${base()}/${hook.body.id}:test`, { token: ws.owner.idToken });
    expect((await call('DELETE', `${base()}/${hook.body.id}`, { token: ws.owner.idToken })).status).toBe(204);
    expect((await call('GET', `${base()}/${hook.body.id}`, { token: ws.owner.idToken })).status).toBe(404);
    expect((await adminDb.collection(`workspaces/${ws.id}/notificationChannels/${hook.body.id}/deliveries`).get()).size).toBe(0);
    expect((await call('DELETE', `${base()}/${hook.body.id}`, { token: ws.owner.idToken })).status).toBe(404);

    const first = await call('GET', `${base()}?limit=2`, { token: ws.owner.idToken });
    expect(first.body.items).toHaveLength(2);
    const second = await call('GET', `${base()}?limit=2&cursor=${first.body.nextCursor}`, { token: ws.owner.idToken });
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
  });

  it(`refuses more than ${MAX_NOTIFICATION_CHANNELS} channels in a workspace`, { timeout: 60_000 }, async () => {
    const fresh = await newWorkspace();
    const body = (i: number) => ({ token: fresh.owner.idToken, body: { kind: 'email', name: `c${i}`, to: ['a@example.test'] } });
    const made: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < MAX_NOTIFICATION_CHANNELS - 2; i++) made.push(await call('POST', `/workspaces/${fresh.id}/notificationChannels`, body(i)));
    // The last places raced for: the count is read in the creating transaction.
    made.push(...(await Promise.all([0, 1, 2, 3].map((i) => call('POST', `/workspaces/${fresh.id}/notificationChannels`, body(100 + i))))));
    expect(made.filter((r) => r.status === 201)).toHaveLength(MAX_NOTIFICATION_CHANNELS);
    expect(made.filter((r) => r.status === 429).map(codeOf)).toEqual(['notification_channel_limit_reached', 'notification_channel_limit_reached']);
  });
});
