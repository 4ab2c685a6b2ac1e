/** Step 2, configure: a form generated from the version's config JSON Schema, with errors at their fields. */
import { ApiError } from '../../../api.ts';
import { configureInstall } from '../../../endpoints.ts';
import { t, tn } from '../../../i18n.ts';
import { showError, showErrorText } from '../../../messages.ts';
import { busy, h } from '../../../ui/dom.ts';
import { schemaForm } from '../../../ui/schemaForm.ts';
import type { StepContext } from '../wizardPage.ts';

/** The API reports config problems at `body.config.<path>` (or `config.<path>` in readiness). */
export const configPath = (path: string) => path.replace(/^(body\.)?config\.?/, '');

export function configureStep(ctx: StepContext): void {
  const form = schemaForm(ctx.version.manifest.config, ctx.install.config, 'config');
  const submit = h('button', { type: 'submit' }, t('wizard.saveContinue'));
  const el = h('form', { novalidate: true }, form.el, h('div', { class: 'actions' }, submit));
  el.addEventListener('submit', (event) => {
    event.preventDefault();
    const { value, issues } = form.read();
    if (issues.length) {
      showErrorText(tn('form.fix', issues.length));
      return;
    }
    void busy(submit, async () => {
      await configureInstall(ctx.wsId, ctx.install.id, value);
      ctx.next();
    }).catch((err: unknown) => {
      showError(err);
      if (err instanceof ApiError && err.problem?.errors) form.showIssues(err.problem.errors.map((e) => ({ path: configPath(e.path), message: e.message })));
    });
  });
  ctx.root.append(h('p', {}, t('wizard.configure.intro')), el);
}
