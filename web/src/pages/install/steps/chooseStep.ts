/** Step 1, choose: which published version to install (release notes beside each). */
import { api } from '../../../api.ts';
import { formatDateTime, t } from '../../../i18n.ts';
import { showError } from '../../../messages.ts';
import { busy, h } from '../../../ui/dom.ts';
import { renderMarkdown } from '../../../ui/markdown.ts';
import type { StepContext } from '../wizardContext.ts';

export async function chooseStep(ctx: StepContext): Promise<void> {
  const { items } = await api.call('listAgentVersions', { params: { agentId: ctx.install.agentId }, signal: ctx.signal });
  const options = items.map((v) =>
    h(
      'div',
      { class: 'choice-block' },
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'version', value: v.version, checked: v.version === ctx.install.version }),
        t('wizard.choose.version', { version: v.version, date: formatDateTime(v.publishedAt) }),
      ),
      v.releaseNotes ? h('div', { class: 'prose hint' }, renderMarkdown(v.releaseNotes)) : null,
    ),
  );
  const submit = h('button', { type: 'submit' }, t('wizard.continue'));
  const form = h('form', {}, h('fieldset', {}, h('legend', {}, t('wizard.choose.legend')), ...options), h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const version = String(new FormData(form).get('version') ?? ctx.install.version);
    void busy(submit, async () => {
      if (version !== ctx.install.version) await api.call('chooseVersion', { params: { wsId: ctx.wsId, installId: ctx.install.id }, body: { version } });
      ctx.next();
    }).catch(showError);
  });
  ctx.root.append(h('p', {}, t('wizard.choose.intro')), form);
}
