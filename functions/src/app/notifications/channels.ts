import type { EventType } from '@agent-marketplace/contract/events';
import { MAX_NOTIFICATION_CHANNELS, type CreateNotificationChannel, type UpdateNotificationChannel } from '@agent-marketplace/contract/notifications';
import { checkDestination, checkScheme } from '../../domain/addressPolicy.js';
import { AppError, notFound } from '../../domain/errors.js';
import type { Channel, Delivery } from '../../domain/notifications.js';
import type { SecretScope } from '../installs/ports.js';
import type { Deps } from '../deps.js';
import { newId, newSecret } from '../shared/credentials.js';
import type { Page, PageRequest } from '../shared/paging.js';
import { actorId, type WorkspaceAccess } from '../shared/principal.js';
import { deliverTo, type DeliverDeps } from './deliver.js';

type ChannelDeps = Pick<Deps, 'notifications' | 'secrets' | 'clock' | 'notifyConfig'>;

const SIGNING = 'signing';
const SLACK_URL = 'slackUrl';
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** How long a rotated-out signing secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** A channel's secrets live in the secret store under a scope of their own (ids: letters and digits, so `notify_` cannot collide with an install). */
export const channelSecretScope = (wsId: string, channelId: string): SecretScope => ({ wsId, installId: `notify_${channelId}` });

const invalidField = (path: string, code: string, message: string) => new AppError('invalid', code, message, { issues: [{ path, message, code }] });

/**
 * A destination URL is checked when it is set (scheme; a literal internal address), and again
 * at every send after DNS (adapters/notify/safeFetch.ts): names are resolved only at send time.
 */
function checkUrl(deps: Pick<Deps, 'notifyConfig'>, path: string, raw: string): URL {
  const url = new URL(raw);
  const scheme = checkScheme(url.protocol, deps.notifyConfig.policy);
  if (!scheme.ok) throw invalidField(path, scheme.code, `The URL is refused: ${scheme.reason}.`);
  const literal = checkDestination(url.hostname, [], deps.notifyConfig.policy);
  const isLiteral = /^[\d.]+$|^\[/.test(url.hostname);
  if (isLiteral && !literal.ok) throw invalidField(path, 'destination_not_allowed', `The URL is refused: ${literal.reason}.`);
  return url;
}

function checkSlackUrl(deps: Pick<Deps, 'notifyConfig'>, raw: string): URL {
  const url = checkUrl(deps, 'webhookUrl', raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = deps.notifyConfig.slackHosts.includes(host.toLowerCase()) || deps.notifyConfig.policy.allowedAddresses.includes(host);
  if (!allowed) throw invalidField('webhookUrl', 'slack_url_invalid', `A Slack incoming webhook URL starts with https://${deps.notifyConfig.slackHosts[0] ?? 'hooks.slack.com'}/.`);
  return url;
}

/** What the API shows of a Slack URL (a credential): its host and last characters. */
const slackHint = (url: URL) => `${url.host}/…${url.pathname.slice(-4)}`;

const dedupe = (events: readonly EventType[] | undefined) => [...new Set(events ?? [])];

export async function createChannel(deps: ChannelDeps, access: WorkspaceAccess, input: CreateNotificationChannel): Promise<{ channel: Channel; signingSecret: string | null }> {
  const now = deps.clock.now();
  const id = newId();
  const scope = channelSecretScope(access.wsId, id);
  const channel: Channel = {
    id,
    wsId: access.wsId,
    name: input.name,
    kind: input.kind,
    events: dedupe(input.events),
    enabled: input.enabled ?? true,
    email: null,
    slack: null,
    webhook: null,
    createdAt: now,
    createdBy: actorId(access.principal),
    updatedAt: now,
  };
  let signingSecret: string | null = null;
  if (input.kind === 'email') channel.email = { to: [...new Set(input.to.map((a) => a.trim().toLowerCase()))] };
  if (input.kind === 'slack') {
    const url = checkSlackUrl(deps, input.webhookUrl);
    channel.slack = { urlRef: await deps.secrets.put(scope, SLACK_URL, input.webhookUrl), hint: slackHint(url) };
  }
  if (input.kind === 'webhook') {
    checkUrl(deps, 'url', input.url);
    signingSecret = `${SIGNING_SECRET_PREFIX}${newSecret()}`;
    const secretRef = await deps.secrets.put(scope, SIGNING, signingSecret);
    channel.webhook = { url: input.url, secretRef, secretPrefix: signingSecret.slice(0, SIGNING_SECRET_PREFIX.length + 4), previousSecretRef: null, previousUntil: null };
  }
  try {
    await deps.notifications.createChannel(channel, MAX_NOTIFICATION_CHANNELS);
  } catch (err) {
    if (channel.slack || channel.webhook) await deps.secrets.deleteAll(scope).catch(() => undefined);
    throw err;
  }
  return { channel, signingSecret };
}

export async function getChannel(deps: Pick<Deps, 'notifications'>, wsId: string, channelId: string): Promise<Channel> {
  const channel = await deps.notifications.getChannel(wsId, channelId);
  if (!channel) throw notFound('Notification channel', 'notification_channel_not_found');
  return channel;
}

export function listChannels(deps: Pick<Deps, 'notifications'>, wsId: string, page: PageRequest): Promise<Page<Channel>> {
  return deps.notifications.listChannels(wsId, page);
}

export async function updateChannel(deps: ChannelDeps, wsId: string, channelId: string, input: UpdateNotificationChannel): Promise<Channel> {
  const current = await getChannel(deps, wsId, channelId);
  const wrong = (['to', 'webhookUrl', 'url'] as const).find((f) => input[f] !== undefined && f !== { email: 'to', slack: 'webhookUrl', webhook: 'url' }[current.kind]);
  if (wrong) throw invalidField(wrong, 'channel_kind_mismatch', `A ${current.kind} channel has no ${wrong}.`);
  let slack = current.slack;
  if (input.webhookUrl !== undefined && current.slack) {
    const url = checkSlackUrl(deps, input.webhookUrl);
    slack = { urlRef: await deps.secrets.put(channelSecretScope(wsId, channelId), SLACK_URL, input.webhookUrl), hint: slackHint(url) };
  }
  if (input.url !== undefined) checkUrl(deps, 'url', input.url);
  const now = deps.clock.now();
  const next = await deps.notifications.updateChannel(wsId, channelId, (c) => ({
    ...c,
    name: input.name ?? c.name,
    events: input.events ? dedupe(input.events) : c.events,
    enabled: input.enabled ?? c.enabled,
    email: c.email && input.to ? { to: [...new Set(input.to.map((a) => a.trim().toLowerCase()))] } : c.email,
    slack,
    webhook: c.webhook && input.url ? { ...c.webhook, url: input.url } : c.webhook,
    updatedAt: now,
  }));
  if (!next) throw notFound('Notification channel', 'notification_channel_not_found');
  return next;
}

export async function deleteChannel(deps: Pick<Deps, 'notifications' | 'secrets'>, wsId: string, channelId: string): Promise<void> {
  const channel = await deps.notifications.deleteChannel(wsId, channelId);
  if (!channel) throw notFound('Notification channel', 'notification_channel_not_found');
  await deps.secrets.deleteAll(channelSecretScope(wsId, channelId));
}

/** A new signing secret; the old one keeps signing beside it for a day, so receivers can switch without losing deliveries. */
export async function rotateChannelSecret(deps: ChannelDeps, wsId: string, channelId: string): Promise<{ channel: Channel; signingSecret: string; previousValidUntil: Date }> {
  const current = await getChannel(deps, wsId, channelId);
  if (!current.webhook) throw new AppError('conflict', 'channel_has_no_secret', `A ${current.kind} channel has no signing secret.`);
  const signingSecret = `${SIGNING_SECRET_PREFIX}${newSecret()}`;
  const secretRef = await deps.secrets.put(channelSecretScope(wsId, channelId), SIGNING, signingSecret);
  const now = deps.clock.now();
  const previousValidUntil = new Date(now.getTime() + ROTATION_OVERLAP_MS);
  const channel = await deps.notifications.updateChannel(wsId, channelId, (c) => ({
    ...c,
    webhook: c.webhook && {
      ...c.webhook,
      secretRef,
      secretPrefix: signingSecret.slice(0, SIGNING_SECRET_PREFIX.length + 4),
      previousSecretRef: c.webhook.secretRef,
      previousUntil: previousValidUntil,
    },
    updatedAt: now,
  }));
  if (!channel) throw notFound('Notification channel', 'notification_channel_not_found');
  return { channel, signingSecret, previousValidUntil };
}

/** Sends a test event to the channel now (whatever its filter) and answers how it went; a test is never retried. */
export async function testChannel(deps: DeliverDeps, wsId: string, channelId: string): Promise<Delivery> {
  const channel = await getChannel(deps, wsId, channelId);
  const now = deps.clock.now();
  const delivery = await deliverTo(
    deps,
    channel,
    {
      id: `test:${channelId}:${newId(8)}`,
      type: channel.events[0] ?? 'run.failed',
      wsId,
      occurredAt: now.toISOString(),
      subject: {},
      summary: `Test notification for the channel "${channel.name}": delivery works.`,
      data: { test: true },
    },
    { test: true },
  );
  if (!delivery) throw new Error('a fresh test event was already claimed');
  return delivery;
}

export async function listDeliveries(deps: Pick<Deps, 'notifications'>, wsId: string, channelId: string, page: PageRequest): Promise<Page<Delivery>> {
  await getChannel(deps, wsId, channelId);
  return deps.notifications.listDeliveries(wsId, channelId, page);
}

/** The API's view of a channel: destinations, never credentials. */
export function channelView(c: Channel) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    events: c.events,
    enabled: c.enabled,
    to: c.email?.to ?? null,
    url: c.webhook?.url ?? null,
    webhookUrlHint: c.slack?.hint ?? null,
    secretPrefix: c.webhook?.secretPrefix ?? null,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    updatedAt: c.updatedAt,
  };
}

export const deliveryView = (d: Delivery) => ({
  eventId: d.eventId,
  eventType: d.eventType,
  channelId: d.channelId,
  status: d.status,
  attemptCount: d.attemptCount,
  attempts: d.attempts,
  test: d.test,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  nextAttemptAt: d.nextAttemptAt,
});
