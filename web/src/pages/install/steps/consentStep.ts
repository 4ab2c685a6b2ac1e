/** Step 4, consent: the version's permissions by risk, accepted explicitly (who and when are recorded). */
import { api } from '../../../api.ts';
import { formatDateTime, t, tn } from '../../../i18n.ts';
import { showError } from '../../../messages.ts';
import { busy, h } from '../../../ui/dom.ts';
import { permissionsByRisk } from '../../agent/manifestViewer.ts';
import type { StepContext } from '../wizardContext.ts';

export function consentStep(ctx: StepContext): void {
  const { manifest, view } = ctx.version;
  const scopes = manifest.permissions.map((p) => p.scope);
  const given = ctx.install.consent && ctx.install.consent.version === manifest.version ? ctx.install.consent : null;
  const accept = h('input', { id: 'consent-accept', type: 'checkbox', name: 'accept', required: true, checked: !!given });
  const submit = h('button', { type: 'submit' }, t('wizard.consent.submit'));
  const form = h(
    'form',
    {},
    permissionsByRisk(view.permissionsByRisk),
    given ? h('p', { class: 'muted' }, t('wizard.consent.given', { when: formatDateTime(given.acceptedAt) })) : null,
    h('div', { class: 'field check' }, accept, h('label', { for: accept.id }, tn('wizard.consent.accept', scopes.length, { name: manifest.name }))),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!accept.checked) return;
    void busy(submit, async () => {
      await api.call('consentInstall', { params: { wsId: ctx.wsId, installId: ctx.install.id }, body: { scopes } });
      ctx.next();
    }).catch(showError);
  });
  ctx.root.append(h('p', {}, t('wizard.consent.intro')), form);
}
