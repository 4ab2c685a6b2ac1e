/**
 * Workspace settings: notification channels (owners and admins). Add an email, Slack or
 * signed-webhook channel with an event filter; a webhook's signing secret is shown once;
 * "Send test" answers how the delivery went; each channel's recent deliveries on demand.
 */
import type { ChannelKind, EventType, NotificationChannel, NotificationDelivery } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { getServices } from '../../config.ts';
import { formatDateTime, t, tOr } from '../../i18n.ts';
import { complete } from '../../labels.ts';
import { showError, showStatus } from '../../messages.ts';
import { field, pagedList } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const EVENT_TYPES = complete<EventType>()([
  'run.failed',
  'run.timed_out',
  'run.succeeded_after_retries',
  'run.awaiting_approval',
  'approval.requested',
  'approval.escalated',
  'approval.decided',
  'approval.expired',
]);
const KINDS = complete<ChannelKind>()(['email', 'slack', 'webhook']);
const eventLabel = (e: string) => tOr(`notify.event.${e}`, e);
const kindLabel = (k: string) => tOr(`notify.kind.${k}`, k);

function destination(c: NotificationChannel): string {
  if (c.kind === 'email') return (c.to ?? []).join(', ');
  if (c.kind === 'slack') return c.webhookUrlHint ?? '';
  return c.url ?? '';
}

function attemptText(d: NotificationDelivery): string {
  const last = d.attempts.at(-1);
  const answer = last ? (last.httpStatus !== null ? `HTTP ${last.httpStatus}` : (last.smtpResponse ?? '')) : '';
  const error = last?.error ? ` ${last.error.code}: ${last.error.message}` : '';
  return `${answer}${error}`.trim();
}

function deliveryRow(d: NotificationDelivery): HTMLElement {
  return h(
    'li',
    { class: `delivery delivery-${d.status}` },
    h('strong', {}, tOr(`notify.status.${d.status}`, d.status)),
    ' ',
    h('span', {}, `${eventLabel(d.eventType)}${d.test ? ` (${t('notify.testTag')})` : ''}`),
    h('br'),
    h('span', { class: 'muted' }, t('notify.deliveryMeta', { when: formatDateTime(d.updatedAt), attempts: d.attemptCount, answer: attemptText(d) || '—' })),
    h('br'),
    h('code', { class: 'wrap' }, d.eventId),
  );
}

function channelRow(wsId: string, c: NotificationChannel, reload: () => void, signal: AbortSignal): HTMLElement {
  const descId = `channel-${c.id}`;
  const result = h('p', { class: 'test-result', 'aria-live': 'polite' });
  const log = h('div', { class: 'deliveries' });
  const test = h('button', { type: 'button', class: 'secondary', 'aria-describedby': descId }, t('notify.sendTest'));
  const show = h('button', { type: 'button', class: 'secondary', 'aria-describedby': descId, 'aria-expanded': 'false' }, t('notify.showDeliveries'));
  const remove = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': descId }, t('notify.delete'));
  test.addEventListener('click', () => {
    void busy(test, async () => {
      const d = await api.call('testNotificationChannel', { params: { wsId, channelId: c.id }, signal });
      replace(result, d.status === 'delivered' ? t('notify.testOk', { answer: attemptText(d) }) : t('notify.testFailed', { status: tOr(`notify.status.${d.status}`, d.status), answer: attemptText(d) }));
      result.className = `test-result ${d.status === 'delivered' ? 'ok' : 'failed'}`;
    }).catch(showError);
  });
  show.addEventListener('click', () => {
    if (show.getAttribute('aria-expanded') === 'true') {
      show.setAttribute('aria-expanded', 'false');
      replace(show, t('notify.showDeliveries'));
      replace(log);
      return;
    }
    void busy(show, async () => {
      replace(log);
      await pagedList(log, h('ul', { class: 'rows', 'aria-label': t('notify.deliveriesOf', { name: c.name }) }), (cursor) => api.call('listNotificationDeliveries', { params: { wsId, channelId: c.id }, query: { cursor, limit: 10 }, signal }), deliveryRow, () => h('p', {}, t('notify.noDeliveries')));
      show.setAttribute('aria-expanded', 'true');
      replace(show, t('notify.hideDeliveries'));
    }).catch(showError);
  });
  remove.addEventListener('click', () => {
    if (!confirm(t('notify.confirmDelete', { name: c.name }))) return;
    void busy(remove, async () => {
      await api.call('deleteNotificationChannel', { params: { wsId, channelId: c.id } });
      showStatus(t('notify.deleted', { name: c.name }));
      reload();
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row channel' },
    h(
      'span',
      { id: descId },
      h('strong', {}, c.name),
      ' ',
      h('span', { class: 'muted' }, `${kindLabel(c.kind)}${c.enabled ? '' : `, ${t('notify.disabled')}`}`),
      h('br'),
      h('span', { class: 'wrap' }, destination(c)),
      h('br'),
      h('span', { class: 'muted' }, c.events.length ? c.events.map(eventLabel).join(', ') : t('notify.allEvents')),
    ),
    h('span', { class: 'actions' }, test, show, remove),
    result,
    log,
  );
}

export async function notificationsSection(container: HTMLElement, wsId: string, signal: AbortSignal): Promise<void> {
  const listSlot = h('div');
  const shown = h('div', { class: 'secret-slot', 'aria-live': 'polite' });
  const name = h('input', { id: 'channel-name', name: 'name', required: true, maxlength: 80, autocomplete: 'off' });
  const kind = h('select', { id: 'channel-kind', name: 'kind' }, ...KINDS.map((k) => h('option', { value: k }, kindLabel(k))));
  const target = h('input', { id: 'channel-target', name: 'target', required: true, autocomplete: 'off', maxlength: 2048 });
  const targetField = field(target, t('notify.to'), '', t('notify.toHint'));
  const events = EVENT_TYPES.map((e) => h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'events', value: e }), eventLabel(e)));
  const create = h('button', { type: 'submit' }, t('notify.create'));
  const relabel = () => {
    const k = kind.value as ChannelKind;
    const label = targetField.querySelector('label')!;
    const hint = targetField.querySelector('.hint')!;
    replace(label, t(`notify.target.${k}`));
    replace(hint, t(`notify.targetHint.${k}`));
    target.type = k === 'email' ? 'text' : 'url';
    target.inputMode = k === 'email' ? 'email' : 'url';
  };
  kind.addEventListener('change', relabel);
  relabel();
  const form = h(
    'form',
    {},
    field(name, t('notify.name')),
    field(kind, t('notify.kind')),
    targetField,
    h('fieldset', {}, h('legend', {}, t('notify.events')), h('p', { class: 'hint' }, t('notify.eventsHint')), h('div', { class: 'choices' }, ...events)),
    create,
  );
  const render = () => {
    replace(listSlot);
    return pagedList(listSlot, h('ul', { class: 'rows' }), (cursor) => api.call('listNotificationChannels', { params: { wsId }, query: { cursor }, signal }), (c) => channelRow(wsId, c, () => void render().catch(showError), signal), () => h('p', {}, t('notify.none')));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = new FormData(form).getAll('events').map(String) as EventType[];
    const k = kind.value as ChannelKind;
    const value = target.value.trim();
    const common = { name: name.value.trim(), events: chosen };
    const body =
      k === 'email'
        ? { kind: k, ...common, to: value.split(/[\s,;]+/).filter(Boolean) }
        : k === 'slack'
          ? { kind: k, ...common, webhookUrl: value }
          : { kind: k, ...common, url: value };
    void busy(create, async () => {
      const channel = await api.call('createNotificationChannel', { params: { wsId }, body });
      name.value = '';
      target.value = '';
      if (channel.signingSecret) {
        const secret = h('code', { class: 'secret', tabindex: 0 }, channel.signingSecret);
        const done = h('button', { type: 'button', class: 'secondary' }, t('keys.hideSecret'));
        done.addEventListener('click', () => replace(shown));
        replace(shown, h('div', { class: 'secret-once', role: 'group', 'aria-labelledby': 'signing-title' }, h('p', { id: 'signing-title' }, h('strong', {}, t('notify.secretOnce', { name: channel.name }))), secret, done));
        secret.focus();
      } else {
        replace(shown);
        showStatus(t('notify.created', { name: channel.name }));
      }
      await render();
    }).catch(showError);
  });
  const mailbox = getServices().config.mailbox;
  container.append(h('p', { class: 'hint' }, t('notify.intro')));
  if (mailbox) container.append(h('p', { class: 'hint' }, h('a', { href: `${mailbox}/messages`, target: '_blank', rel: 'noopener' }, t('notify.localMailbox'))));
  container.append(
    shown,
    listSlot,
    h('h3', {}, t('notify.newTitle')),
    form,
  );
  await render();
}
