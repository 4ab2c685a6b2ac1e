/**
 * Step 5, triggers and approvals: manual runs, cron schedules (each with its time zone; the
 * API's next fire times are shown once saved), a signed webhook (its secret shown once), and
 * who approves each approval-gated action.
 */
import { api, ApiError } from '../../../api.ts';
import type { Install, InstallReview } from '@agent-marketplace/client';
import { formatLocale, t } from '../../../i18n.ts';
import { riskLabel, roleLabel } from '../../../labels.ts';
import { showError, showStatus } from '../../../messages.ts';
import { field, select } from '../../../ui/common.ts';
import { href } from '../../../router.ts';
import { busy, h, replace } from '../../../ui/dom.ts';
import { policyPath } from '../../policy/policyPath.ts';
import type { StepContext } from '../wizardContext.ts';

const APPROVER_ROLES = ['approver', 'admin', 'owner'] as const;
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A fire time in the schedule's own zone, which is what its cron expression means. */
export function fireTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(formatLocale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toISOString();
  }
}

/** The next fire times of each saved schedule, in order, as a list. */
export function nextFiresList(times: string[], timeZone: string): HTMLElement {
  if (times.length === 0) return h('p', { class: 'hint' }, t('wizard.triggers.noFires'));
  return h(
    'div',
    { class: 'next-fires' },
    h('p', { class: 'hint' }, t('wizard.triggers.nextFires', { zone: timeZone })),
    h('ol', {}, ...times.map((iso) => h('li', {}, h('time', { datetime: iso }, fireTime(iso, timeZone))))),
  );
}

let rowSeq = 0;

function scheduleRow(s: { cron: string; timeZone: string; enabled: boolean }, zones: HTMLDataListElement, onRemove: (row: HTMLElement) => void) {
  const n = ++rowSeq;
  const cron = h('input', { id: `cron-${n}`, name: 'cron', required: true, maxlength: 100, autocomplete: 'off', spellcheck: 'false', class: 'code' });
  cron.value = s.cron;
  const zone = h('input', { id: `zone-${n}`, name: 'timeZone', required: true, maxlength: 64, list: zones.id, autocomplete: 'off' });
  zone.value = s.timeZone;
  const enabled = h('input', { id: `enabled-${n}`, type: 'checkbox', name: 'enabled', checked: s.enabled });
  const fires = h('div', { class: 'fires', 'aria-live': 'polite' });
  const error = h('p', { class: 'field-error', id: `cron-${n}-error` });
  cron.setAttribute('aria-describedby', `cron-${n}-hint cron-${n}-error`);
  const remove = h('button', { type: 'button', class: 'secondary' }, t('wizard.triggers.removeSchedule'));
  const el = h(
    'li',
    { class: 'schedule' },
    h('div', { class: 'field' }, h('label', { for: cron.id }, t('wizard.triggers.cron')), cron, h('p', { class: 'hint', id: `cron-${n}-hint` }, t('wizard.triggers.cronHint')), error),
    field(zone, t('wizard.triggers.zone')),
    h('div', { class: 'field check' }, enabled, h('label', { for: enabled.id }, t('wizard.triggers.enabled'))),
    fires,
    remove,
  );
  remove.addEventListener('click', () => onRemove(el));
  return {
    el,
    cron,
    fires,
    read: () => ({ cron: cron.value.trim(), timeZone: zone.value.trim(), enabled: enabled.checked }),
    setError(message: string) {
      replace(error, message);
      if (message) cron.setAttribute('aria-invalid', 'true');
      else cron.removeAttribute('aria-invalid');
    },
  };
}

export async function triggersStep(ctx: StepContext): Promise<void> {
  let install: Install = ctx.install;
  const zones = h('datalist', { id: 'time-zones' }, ...Intl.supportedValuesOf('timeZone').map((z) => h('option', { value: z })));

  const manual = h('input', { id: 'trigger-manual', type: 'checkbox', name: 'manual', checked: install.triggers.manual });
  const list = h('ol', { class: 'schedules' });
  type Row = ReturnType<typeof scheduleRow>;
  let rows: Row[] = [];
  const removeRow = (el: HTMLElement) => {
    rows = rows.filter((r) => r.el !== el);
    el.remove();
    addButton.focus();
  };
  const addRow = (s: { cron: string; timeZone: string; enabled: boolean }) => {
    const row = scheduleRow(s, zones, removeRow);
    rows.push(row);
    list.append(row.el);
    return row;
  };
  for (const s of install.triggers.schedules) addRow(s);
  const addButton = h('button', { type: 'button', class: 'secondary' }, t('wizard.triggers.addSchedule'));
  addButton.addEventListener('click', () => addRow({ cron: '0 6 * * 1-5', timeZone: browserZone(), enabled: true }).cron.focus());

  const webhook = h('input', { id: 'trigger-webhook', type: 'checkbox', name: 'webhook', checked: install.triggers.webhook.enabled });
  const rotate = h('input', { id: 'trigger-webhook-rotate', type: 'checkbox', name: 'rotate' });
  const webhookInfo = h('div', { 'aria-live': 'polite' });
  const paintWebhook = (secret: string | null) =>
    replace(
      webhookInfo,
      install.triggers.webhook.url ? h('p', { class: 'hint' }, t('wizard.triggers.webhookUrl'), ' ', h('code', {}, install.triggers.webhook.url)) : null,
      secret ? h('div', { class: 'secret-once' }, h('p', {}, t('wizard.triggers.webhookSecret')), h('code', { class: 'secret', tabindex: 0 }, secret)) : null,
    );
  paintWebhook(null);

  const approvals = ctx.version.manifest.approvals.map((a) => {
    const current = install.approvalPolicy[a.action];
    const role = select(`approver-${a.action}`, APPROVER_ROLES.map((r) => [r, roleLabel(r)] as [string, string]), current?.approverRole ?? 'approver');
    const levels = h('input', { id: `levels-${a.action}`, type: 'number', min: 1, max: 3, step: 1, name: 'levels' });
    levels.value = String(current?.levels ?? a.levels);
    return {
      action: a.action,
      role,
      levels,
      el: h(
        'fieldset',
        { class: 'approval' },
        h('legend', {}, h('code', {}, a.action), ' ', h('span', { class: `risk risk-${a.risk}` }, riskLabel(a.risk))),
        h('p', { class: 'hint' }, a.description),
        field(role, t('wizard.triggers.approver')),
        field(levels, t('wizard.triggers.levels')),
      ),
    };
  });

  const save = h('button', { type: 'submit' }, t('wizard.triggers.save'));
  const next = h('button', { type: 'button', class: 'secondary' }, t('wizard.triggers.toReview'));
  next.addEventListener('click', () => ctx.next());
  next.hidden = !('triggers' in install.steps);

  const showFires = (review: InstallReview) => {
    install.triggers.schedules.forEach((s, i) => {
      const row = rows[i];
      if (row) replace(row.fires, nextFiresList(review.nextFires.find((f) => f.id === s.id)?.times ?? [], s.timeZone));
    });
  };

  const form = h(
    'form',
    {},
    h('fieldset', {}, h('legend', {}, t('wizard.triggers.manualLegend')), h('div', { class: 'field check' }, manual, h('label', { for: manual.id }, t('wizard.triggers.manual')))),
    h('fieldset', {}, h('legend', {}, t('wizard.triggers.schedules')), zones, list, addButton),
    h(
      'fieldset',
      {},
      h('legend', {}, t('wizard.triggers.webhookLegend')),
      h('div', { class: 'field check' }, webhook, h('label', { for: webhook.id }, t('wizard.triggers.webhook'))),
      install.triggers.webhook.enabled ? h('div', { class: 'field check' }, rotate, h('label', { for: rotate.id }, t('wizard.triggers.rotate'))) : null,
      webhookInfo,
    ),
    approvals.length
      ? h(
          'fieldset',
          {},
          h('legend', {}, t('wizard.triggers.approvals')),
          ...approvals.map((a) => a.el),
          h('p', { class: 'hint' }, t('wizard.triggers.fullPolicy'), ' ', h('a', { href: href(policyPath(ctx.wsId, install.id)) }, t('wizard.triggers.fullPolicyLink'))),
        )
      : null,
    h('div', { class: 'actions' }, save, next),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const r of rows) r.setError('');
    void busy(save, async () => {
      const saved = await api.call('setInstallTriggers', { params: { wsId: ctx.wsId, installId: install.id }, body: {
        manual: manual.checked,
        schedules: rows.map((r) => r.read()),
        webhook: { enabled: webhook.checked, ...(rotate.checked ? { rotate: true } : {}) },
        ...(approvals.length
          ? { approvalPolicy: Object.fromEntries(approvals.map((a) => [a.action, { approverRole: a.role.value as (typeof APPROVER_ROLES)[number], levels: Number(a.levels.value) }])) }
          : {}),
      } });
      install = saved;
      rotate.checked = false;
      paintWebhook(saved.webhookSecret);
      showFires(await api.call('reviewInstall', { params: { wsId: ctx.wsId, installId: install.id } }));
      next.hidden = false;
      showStatus(t('wizard.triggers.saved'));
    }).catch((err: unknown) => {
      showError(err);
      // Field problems name the schedule: body.schedules.<i>.cron
      if (err instanceof ApiError) {
        for (const e of err.problem?.errors ?? []) {
          const m = /schedules\.(\d+)/.exec(e.path);
          if (m) rows[Number(m[1])]?.setError(e.message);
        }
      }
    });
  });
  ctx.root.append(h('p', {}, t('wizard.triggers.intro')), form);
  if (install.triggers.schedules.length) showFires(await api.call('reviewInstall', { params: { wsId: ctx.wsId, installId: install.id }, signal: ctx.signal }));
}
