import { PlatformEvent } from '@agent-marketplace/contract/events';
import { WEBHOOK_HEADERS } from '@agent-marketplace/contract/notifications';
import {
  afterAttempt,
  channelWants,
  DELIVERY_LEASE_SECONDS,
  DeliveryError,
  eventHeadline,
  type Channel,
  type Delivery,
  type DeliveryAttempt,
} from '../../domain/notifications.js';
import { signWebhook } from '../runs/webhookSignature.js';
import type { Deps } from '../deps.js';

export type DeliverDeps = Pick<Deps, 'notifications' | 'notifiers' | 'notifyRetries' | 'notifyConfig' | 'secrets' | 'clock'>;

const log = (severity: 'INFO' | 'WARNING' | 'ERROR', message: string, extra: Record<string, unknown>) =>
  console.error(JSON.stringify({ severity, message, ...extra }));

export type DeliverOutcome = { kind: 'malformed'; issues: string } | { kind: 'delivered'; channels: number; sent: number };

/**
 * One event from the topic: sent once to each channel of its workspace whose filter takes it.
 * A malformed message is logged and acknowledged (retrying cannot fix it). A channel that
 * fails is recorded on its delivery and never stops the others; only a failure to read the
 * channels at all throws (the message is then redelivered).
 */
export async function deliverEvent(deps: DeliverDeps, raw: unknown): Promise<DeliverOutcome> {
  const parsed = PlatformEvent.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    log('ERROR', 'notifications: malformed event acknowledged', { issues });
    return { kind: 'malformed', issues };
  }
  const event = parsed.data;
  const channels = (await deps.notifications.channelsOf(event.wsId)).filter((c) => channelWants(c, event.type));
  const results = await Promise.all(
    channels.map((c) =>
      deliverTo(deps, c, event, { test: false }).catch((err: unknown) => {
        log('ERROR', 'notifications: delivery not recorded', { wsId: event.wsId, channelId: c.id, eventId: event.id, error: String(err) });
        return null;
      }),
    ),
  );
  return { kind: 'delivered', channels: channels.length, sent: results.filter((r) => r !== null).length };
}

/** Claims (event, channel) and makes the first attempt; null when another delivery of the event has it. */
export async function deliverTo(deps: DeliverDeps, channel: Channel, event: PlatformEvent, options: { test: boolean }): Promise<Delivery | null> {
  const now = deps.clock.now();
  const claimed = await deps.notifications.claimDelivery(
    {
      eventId: event.id,
      eventType: event.type,
      channelId: channel.id,
      wsId: channel.wsId,
      status: 'sending',
      attemptCount: 0,
      attempts: [],
      event,
      test: options.test,
      createdAt: now,
      updatedAt: now,
      nextAttemptAt: null,
      leaseUntil: new Date(now.getTime() + DELIVERY_LEASE_SECONDS * 1000),
    },
    now,
  );
  if (!claimed) return null;
  return attemptDelivery(deps, channel, claimed, { retry: !options.test });
}

/** One attempt of a claimed delivery, recorded; a failed webhook attempt schedules the next. */
export async function attemptDelivery(deps: DeliverDeps, channel: Channel, delivery: Delivery, options: { retry: boolean }): Promise<Delivery> {
  const n = delivery.attemptCount + 1;
  const at = deps.clock.now();
  const outcome = await send(deps, channel, delivery.event, n);
  const attempt: DeliveryAttempt = { n, at, durationMs: deps.clock.now().getTime() - at.getTime(), ...outcome };
  const next = afterAttempt(delivery, attempt, options.retry ? channel.kind : 'email', deps.notifyConfig.retry);
  await deps.notifications.recordAttempt(delivery.wsId, delivery.channelId, delivery.eventId, next);
  const where = { wsId: delivery.wsId, channelId: channel.id, kind: channel.kind, eventId: delivery.eventId, attempt: n };
  if (next.status === 'refused') log('WARNING', 'notifications: destination refused', { ...where, error: attempt.error });
  else if (!attempt.ok) log('WARNING', 'notifications: attempt failed', { ...where, status: next.status, httpStatus: attempt.httpStatus, error: attempt.error });
  if (next.status === 'retrying' && next.nextAttemptAt) {
    const delaySeconds = Math.max(1, Math.ceil((next.nextAttemptAt.getTime() - at.getTime()) / 1000));
    await deps.notifyRetries.enqueue({ wsId: delivery.wsId, channelId: channel.id, eventId: delivery.eventId, attempt: n + 1 }, delaySeconds).catch((err: unknown) => {
      log('ERROR', 'notifications: retry not enqueued', { ...where, error: String(err) });
    });
  }
  return { ...delivery, ...next };
}

type Outcome = Omit<DeliveryAttempt, 'n' | 'at' | 'durationMs'>;

const failed = (err: unknown): Outcome => {
  if (err instanceof DeliveryError) return { ok: false, httpStatus: err.httpStatus, smtpResponse: null, error: { code: err.code, message: err.message.slice(0, 500) } };
  return { ok: false, httpStatus: null, smtpResponse: null, error: { code: 'internal', message: String(err).slice(0, 500) } };
};

/** Sends the event over the channel. Never throws: every failure is an outcome to record. */
async function send(deps: DeliverDeps, channel: Channel, event: PlatformEvent, attempt: number): Promise<Outcome> {
  try {
    if (channel.kind === 'email' && channel.email) {
      const { response } = await deps.notifiers.email.send({
        to: channel.email.to,
        subject: eventHeadline(event).slice(0, 200),
        text: emailText(event),
        headers: { 'X-Agent-Marketplace-Event-Id': event.id, 'X-Agent-Marketplace-Event-Type': event.type },
      });
      return { ok: true, httpStatus: null, smtpResponse: response.slice(0, 500), error: null };
    }
    if (channel.kind === 'slack' && channel.slack) {
      const url = await deps.secrets.get(channel.slack.urlRef);
      if (!url) throw new DeliveryError('channel_misconfigured', 'The Slack webhook URL is no longer stored; set it again.');
      const res = await deps.notifiers.http.post({ url, body: JSON.stringify(slackMessage(event)), headers: { 'Content-Type': 'application/json' } });
      return httpOutcome(res.status);
    }
    if (channel.kind === 'webhook' && channel.webhook) {
      const secrets = await webhookSecrets(deps, channel);
      const body = JSON.stringify(event);
      const t = Math.floor(deps.clock.now().getTime() / 1000);
      // One v1 per valid secret: receivers switching to a rotated secret accept either.
      const signature = [`t=${t}`, ...secrets.map((s) => signWebhook(s, t, body).split(',')[1]!)].join(',');
      const res = await deps.notifiers.http.post({
        url: channel.webhook.url,
        body,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'AgentMarketplace-Webhooks/1',
          [WEBHOOK_HEADERS.signature]: signature,
          [WEBHOOK_HEADERS.eventId]: event.id,
          [WEBHOOK_HEADERS.eventType]: event.type,
          'Agent-Marketplace-Delivery-Attempt': String(attempt),
        },
      });
      return httpOutcome(res.status);
    }
    throw new DeliveryError('channel_misconfigured', `The ${channel.kind} channel has no destination.`);
  } catch (err) {
    return failed(err);
  }
}

function httpOutcome(status: number): Outcome {
  if (status >= 200 && status < 300) return { ok: true, httpStatus: status, smtpResponse: null, error: null };
  return { ok: false, httpStatus: status, smtpResponse: null, error: { code: 'http_error', message: `The receiver answered HTTP ${status}.` } };
}

async function webhookSecrets(deps: Pick<Deps, 'secrets' | 'clock'>, channel: Channel): Promise<string[]> {
  const hook = channel.webhook!;
  const current = await deps.secrets.get(hook.secretRef);
  if (!current) throw new DeliveryError('channel_misconfigured', 'The signing secret is no longer stored; rotate it.');
  const previousValid = hook.previousSecretRef && hook.previousUntil && hook.previousUntil.getTime() > deps.clock.now().getTime();
  const previous = previousValid ? await deps.secrets.get(hook.previousSecretRef!).catch(() => null) : null;
  return previous ? [current, previous] : [current];
}

function emailText(event: PlatformEvent): string {
  const facts = Object.entries(event.data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `  ${k}: ${String(v)}`);
  const subject = Object.entries(event.subject).map(([k, v]) => `  ${k}: ${v}`);
  return [event.summary, '', `Event: ${event.type} (${event.id})`, `When: ${event.occurredAt}`, ...subject, ...facts, '', 'You receive this because a notification channel of your workspace is set to send these events.', ''].join('\n');
}

function slackMessage(event: PlatformEvent): { text: string; blocks: unknown[] } {
  const text = eventHeadline(event);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${event.type}*\n${escapeSlack(event.summary)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${escapeSlack(event.id)} · ${event.occurredAt}` }] },
    ],
  };
}

/** Slack's mrkdwn control characters, so a summary cannot ping @channel or forge links. */
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
