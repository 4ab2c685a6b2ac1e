/** Step 2, configure: a form generated from the version's config JSON Schema, with errors at their fields. */
import { api } from '../../../api.ts';
import { t } from '../../../i18n.ts';
import { h } from '../../../ui/dom.ts';
import { onSchemaSubmit, schemaForm } from '../../../ui/schemaForm.ts';
import type { StepContext } from '../wizardContext.ts';

export function configureStep(ctx: StepContext): void {
  const form = schemaForm(ctx.version.manifest.config, ctx.install.config, 'config');
  const submit = h('button', { type: 'submit' }, t('wizard.saveContinue'));
  const el = h('form', { novalidate: true }, form.el, h('div', { class: 'actions' }, submit));
  onSchemaSubmit(el, form, submit, 'config', async (value) => {
    await api.call('configureInstall', { params: { wsId: ctx.wsId, installId: ctx.install.id }, body: { config: value } });
    ctx.next();
  });
  ctx.root.append(h('p', {}, t('wizard.configure.intro')), el);
}
