/**
 * Spend caps: the workspace's monthly cap and each install's, as dollars and cents or none
 * (empty). Each cap is its own small form, checked here (non-negative, at most two decimals,
 * read as integer cents) before it is saved with PUT; the API's refusals show beside the field
 * and in the alert region. Members who read billing without managing it see the caps only.
 */
import type { Billing, Install, Money } from '@agent-marketplace/client';
import { api, ApiError } from '../../api.ts';
import { formatMinorUnits, t } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { capInputValue, parseCapAmount } from './capAmount.ts';

/** One cap row: who it is for, and what is known of it (undefined: not known, see below). */
interface CapTarget {
  key: string;
  label: string;
  cap: Money | null | undefined;
  save: (amountMinor: number | null) => Promise<{ cap: Money | null }>;
}

const capText = (cap: Money | null | undefined) => (cap === undefined ? t('caps.unknown') : cap === null ? t('billing.noCap') : formatMinorUnits(cap.amountMinor, cap.currency));

function capForm(target: CapTarget, onSaved: () => void): HTMLElement {
  const id = `cap-${target.key}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const currentId = `${id}-current`;
  const input = h('input', {
    id,
    name: id,
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    class: 'cap-input',
    value: target.cap ? capInputValue(target.cap.amountMinor) : '',
    'aria-describedby': `${currentId} ${hintId} ${errorId}`,
  });
  const error = h('p', { class: 'field-error', id: errorId });
  const current = h('p', { class: 'muted cap-current', id: currentId }, t('caps.current', { cap: capText(target.cap) }));
  const save = h('button', { type: 'submit', class: 'secondary' }, t('caps.save'));
  const form = h(
    'form',
    { class: 'inline cap-form', novalidate: true, 'data-cap': target.key },
    h('div', { class: 'field' }, h('label', { for: id }, target.label), input, current, h('p', { class: 'hint', id: hintId }, t('caps.hint')), error),
    save,
  );
  const fail = (message: string) => {
    input.setAttribute('aria-invalid', 'true');
    replace(error, message);
    input.focus();
  };
  input.addEventListener('input', () => {
    input.removeAttribute('aria-invalid');
    replace(error);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parsed = parseCapAmount(input.value);
    if (!parsed.ok) return fail(t(`caps.problem.${parsed.problem}`));
    void busy(save, async () => {
      const { cap } = await target.save(parsed.amountMinor);
      input.value = cap ? capInputValue(cap.amountMinor) : '';
      replace(current, t('caps.current', { cap: capText(cap) }));
      showStatus(cap ? t('caps.saved', { who: target.label, cap: capText(cap) }) : t('caps.removed', { who: target.label }));
      onSaved();
    }).catch((err: unknown) => {
      if (err instanceof ApiError && err.problem?.errors?.length) fail(err.problem.errors.map((e) => e.message).join(' '));
      showError(err);
    });
  });
  return form;
}

function capsList(targets: CapTarget[]): HTMLElement {
  return h('dl', { class: 'details caps-list' }, ...targets.flatMap((c) => [h('dt', {}, c.label), h('dd', { 'data-cap': c.key }, capText(c.cap))]));
}

const present = (nodes: (HTMLElement | null)[]): HTMLElement[] => nodes.filter((n): n is HTMLElement => n !== null);

export interface CapsOptions {
  canManage: boolean;
  /** The installs the member may list (owners, admins); others see only those with usage this month. */
  installs: Install[] | null;
}

export function capsSection(container: HTMLElement, wsId: string, month: Billing, options: CapsOptions, onSaved: () => void): void {
  const known = new Map(month.installs.map((i) => [i.installId, i]));
  const workspace: CapTarget = {
    key: 'workspace',
    label: t('caps.workspace'),
    cap: month.cap,
    save: (amountMinor) => api.call('setWorkspaceSpendCap', { params: { wsId }, body: { amountMinor } }),
  };
  const installTarget = (installId: string, label: string, cap: Money | null | undefined): CapTarget => ({
    key: installId,
    label,
    cap,
    save: (amountMinor) => api.call('setInstallSpendCap', { params: { wsId, installId }, body: { amountMinor } }),
  });
  const listed = (options.installs ?? []).filter((i) => i.state === 'active' || i.state === 'paused');
  const installs = [
    ...listed.map((i) => installTarget(i.id, t('caps.install', { agent: i.agentId, version: i.version }), known.get(i.id)?.cap)),
    ...month.installs.filter((u) => !listed.some((i) => i.id === u.installId)).map((u) => installTarget(u.installId, t('caps.installNoVersion', { agent: u.agentId }), u.cap)),
  ];
  const intro = h('p', {}, t('caps.intro'));
  const unknownNote = installs.some((c) => c.cap === undefined) ? h('p', { class: 'hint' }, t('caps.unknownNote')) : null;
  if (!options.canManage) {
    container.append(...present([intro, capsList([workspace, ...installs]), unknownNote]));
    return;
  }
  container.append(
    ...present([
      intro,
      capForm(workspace, onSaved),
      h('h3', {}, t('caps.installsTitle')),
      installs.length ? h('div', { class: 'cap-forms' }, ...installs.map((c) => capForm(c, onSaved))) : h('p', {}, t('caps.noInstalls')),
      unknownNote,
    ]),
  );
}
