/**
 * Step 3, connect: the cloud account the install acts on (every agent acts on one, if only the
 * sandbox), then the secrets the agent declares. Secret values are write-only: the inputs start
 * empty, are cleared once saved, and the page only ever shows whether and when one was set.
 */
import { SECRET_MIN_LENGTH, type Install } from '@agent-marketplace/client';
import { api } from '../../../api.ts';
import { formatDateTime, t } from '../../../i18n.ts';
import { showError, showErrorText, showStatus } from '../../../messages.ts';
import { busy, h, replace } from '../../../ui/dom.ts';
import { showCloudError } from '../../cloud/cloudErrors.ts';
import type { StepContext } from '../wizardContext.ts';
import { cloudAccountPart } from './cloudAccountPart.ts';

export async function connectStep(ctx: StepContext): Promise<void> {
  const cloud = await cloudAccountPart(ctx);
  const part = (id: string, title: string, ...content: Node[]) => h('section', { class: 'wizard-part', 'aria-labelledby': id }, h('h3', { id }, title), ...content);
  ctx.root.append(part('wizard-cloud-title', t('wizard.cloud.title'), cloud.el));
  const secrets = ctx.version.manifest.secrets;
  if (secrets.length === 0) {
    const next = h('button', { type: 'button' }, t('wizard.continue'));
    next.addEventListener('click', () => {
      void busy(next, async () => {
        if (await cloud.save()) ctx.next();
      }).catch(showCloudError);
    });
    ctx.root.append(part('wizard-secrets-title', t('wizard.connect.secretsTitle'), h('p', {}, t('wizard.connect.none'))), h('div', { class: 'actions' }, next));
    return;
  }
  let install: Install = ctx.install;
  const rows = secrets.map((s) => {
    const id = `secret-${s.name}`;
    const input = h('input', {
      id,
      name: s.name,
      type: 'password',
      autocomplete: 'new-password',
      spellcheck: 'false',
      'aria-describedby': `${id}-hint ${id}-state`,
    });
    const state = h('p', { class: 'hint', id: `${id}-state`, 'aria-live': 'polite' });
    const remove = h('button', { type: 'button', class: 'secondary' }, t('wizard.connect.remove', { name: s.name }));
    const paint = () => {
      const set = install.secrets.find((x) => x.name === s.name);
      replace(state, set ? t('wizard.connect.isSet', { when: formatDateTime(set.setAt) }) : t('wizard.connect.notSet'));
      remove.hidden = !set || s.required;
      input.placeholder = set ? t('wizard.connect.replacePlaceholder') : '';
    };
    paint();
    remove.addEventListener('click', () => {
      void busy(remove, async () => {
        install = await api.call('removeInstallSecret', { params: { wsId: ctx.wsId, installId: install.id, name: s.name } });
        paint();
        showStatus(t('wizard.connect.removed', { name: s.name }));
      }).catch(showError);
    });
    return {
      secret: s,
      input,
      paint,
      el: h(
        'div',
        { class: 'field' },
        h('label', { for: id }, s.name, s.required ? h('span', { class: 'required' }, ` ${t('form.required')}`) : null),
        input,
        h('p', { class: 'hint', id: `${id}-hint` }, s.description),
        state,
        remove,
      ),
    };
  });
  const submit = h('button', { type: 'submit' }, t('wizard.saveContinue'));
  const form = h('form', { autocomplete: 'off' }, ...rows.map((r) => r.el), h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const missing = rows.filter((r) => r.secret.required && !r.input.value && !install.secrets.some((x) => x.name === r.secret.name));
    if (missing.length) {
      showErrorText(t('wizard.connect.missing', { names: missing.map((r) => r.secret.name).join(', ') }));
      missing[0]!.input.focus();
      return;
    }
    // The API refuses these too (400, body.value); said here before anything is sent.
    for (const r of rows) r.input.removeAttribute('aria-invalid');
    const short = rows.find((r) => r.input.value && r.input.value.length < SECRET_MIN_LENGTH);
    if (short) {
      showErrorText(t('wizard.connect.tooShort', { name: short.secret.name, n: SECRET_MIN_LENGTH }));
      short.input.setAttribute('aria-invalid', 'true');
      short.input.focus();
      return;
    }
    void busy(submit, async () => {
      if (!(await cloud.save())) return;
      for (const r of rows) {
        if (!r.input.value) continue;
        install = await api.call('setInstallSecret', { params: { wsId: ctx.wsId, installId: install.id, name: r.secret.name }, body: { value: r.input.value } });
        r.input.value = ''; // never kept in the page once stored
        r.paint();
      }
      ctx.next();
    }).catch(showCloudError);
  });
  ctx.root.append(part('wizard-secrets-title', t('wizard.connect.secretsTitle'), h('p', {}, t('wizard.connect.intro')), form));
}
