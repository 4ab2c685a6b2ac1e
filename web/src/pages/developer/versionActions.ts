/**
 * What a published version's developers may do with it: deprecate (with a message) or lift
 * that, yank (with a reason, after a confirmation that says what yanking does) or undo it.
 * Viewers get no buttons. Each opened form is a group that Escape or Cancel closes, with focus
 * back on the button that opened it.
 */
import type { DeveloperVersion, PublisherRole } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { field } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { fieldErrors } from './fieldErrors.ts';
import { canManageVersions } from './publisherRoles.ts';

type Params = { publisherId: string; agentId: string; version: string };

/** A button that opens a small form below the actions; returns the button. */
function opener(slot: HTMLElement, label: string, id: string, form: (close: () => void) => HTMLElement, cls = 'secondary'): HTMLButtonElement {
  const button = h('button', { type: 'button', class: cls, 'aria-expanded': 'false', 'aria-controls': id }, label);
  const close = () => {
    replace(slot);
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  };
  button.addEventListener('click', () => {
    if (button.getAttribute('aria-expanded') === 'true') return close();
    button.setAttribute('aria-expanded', 'true');
    const panel = form(close);
    panel.id = id;
    panel.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      close();
    });
    replace(slot, panel);
    panel.querySelector<HTMLElement>('textarea, input, button')?.focus();
  });
  return button;
}

/** A form with one required text (message or reason), a submit button and Cancel. */
function textForm(o: { id: string; title: string; explain: string; label: string; submit: string; danger?: boolean; close: () => void; send: (text: string) => Promise<void> }): HTMLElement {
  const text = h('textarea', { id: `${o.id}-text`, name: 'text', rows: 2, maxlength: 500, required: true });
  const errors = fieldErrors({ message: text, reason: text });
  const f = field(text, o.label);
  f.append(errors.slot(text));
  const submit = h('button', { type: 'submit', class: o.danger ? 'danger' : '' }, o.submit);
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => o.close() }, t('dev.cancel'));
  const form = h('form', { novalidate: true }, f, h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    if (!text.value.trim()) {
      errors.set(text, t('dev.textRequired'));
      text.focus();
      return;
    }
    void busy(submit, () => o.send(text.value.trim())).catch((err: unknown) => {
      if (!errors.show(err)) showError(err);
    });
  });
  const titleId = `${o.id}-title`;
  return h('div', { class: 'confirm-panel', role: 'group', 'aria-labelledby': titleId }, h('h4', { id: titleId }, o.title), h('p', {}, o.explain), form);
}

/** The action buttons for `v`, or null when the role or the state allows none. `changed` draws the version again. */
export function versionActions(p: Params, v: DeveloperVersion, role: PublisherRole, changed: (v: DeveloperVersion, status: string) => void): HTMLElement | null {
  if (!canManageVersions(role)) return null;
  if (v.state !== 'published') return h('p', { class: 'hint' }, t('version.actionsAfterPublish'));
  const slot = h('div', { class: 'action-panel' });
  const buttons = h('div', { class: 'actions', role: 'group', 'aria-label': t('version.actions', { version: v.version }) });
  const plain = (label: string, run: () => Promise<DeveloperVersion>, status: (v: DeveloperVersion) => string) => {
    const b = h('button', { type: 'button', class: 'secondary' }, label);
    b.addEventListener('click', () => void busy(b, run).then((next) => changed(next, status(next))).catch(showError));
    return b;
  };
  if (v.deprecated) buttons.append(plain(t('version.undeprecate'), () => api.call('undeprecateVersion', { params: p }), () => t('version.undeprecated', { version: v.version })));
  else
    buttons.append(
      opener(slot, t('version.deprecate'), 'deprecate-panel', (close) =>
        textForm({
          id: 'deprecate',
          title: t('version.deprecateTitle', { version: v.version }),
          explain: t('version.deprecateExplain'),
          label: t('version.deprecateMessage'),
          submit: t('version.deprecateSubmit'),
          close,
          send: async (message) => {
            const next = await api.call('deprecateVersion', { params: p, body: { message } });
            changed(next, t('version.deprecatedStatus', { version: v.version }));
          },
        }),
      ),
    );
  if (v.yanked) buttons.append(plain(t('version.unyank'), () => api.call('unyankVersion', { params: p }), () => t('version.unyanked', { version: v.version })));
  else
    buttons.append(
      opener(
        slot,
        t('version.yank'),
        'yank-panel',
        (close) =>
          textForm({
            id: 'yank',
            title: t('version.yankTitle', { version: v.version }),
            explain: t('version.yankExplain', { version: v.version }),
            label: t('version.yankReason'),
            submit: t('version.yankSubmit', { version: v.version }),
            danger: true,
            close,
            send: async (reason) => {
              const next = await api.call('yankVersion', { params: p, body: { reason } });
              changed(next, t('version.yankedStatus', { version: v.version }));
            },
          }),
        'secondary danger',
      ),
    );
  return h('div', { class: 'version-actions' }, buttons, slot);
}
