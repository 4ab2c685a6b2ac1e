/** Manual run trigger: the install's input form (from its version's `inputs` JSON Schema) and Start. */
import type { Install } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { navigate } from '../../router.ts';
import { loading } from '../../ui/common.ts';
import { h, replace } from '../../ui/dom.ts';
import { onSchemaSubmit, schemaForm } from '../../ui/schemaForm.ts';

export async function runForm(panel: HTMLElement, wsId: string, install: Install, onClose: () => void): Promise<void> {
  const headingId = `run-form-${install.id}`;
  replace(panel, loading());
  const version = await api.call('getAgentVersion', { params: { agentId: install.agentId, version: install.version } });
  const form = schemaForm(version.manifest.inputs, {}, `input-${install.id}`);
  const start = h('button', { type: 'submit' }, t('runForm.start'));
  const close = h('button', { type: 'button', class: 'secondary' }, t('runForm.close'));
  close.addEventListener('click', onClose);
  const el = h(
    'form',
    { class: 'run-form', 'aria-labelledby': headingId, novalidate: true },
    h('h3', { id: headingId }, t('runForm.title', { name: version.manifest.name })),
    form.el,
    h('div', { class: 'actions' }, start, close),
  );
  onSchemaSubmit(el, form, start, 'input', async (value) => {
    const run = await api.call('triggerRun', { params: { wsId, installId: install.id }, body: { input: value } });
    navigate(`/runs/${encodeURIComponent(wsId)}/${encodeURIComponent(run.id)}`, t('install.runStarted'));
  });
  replace(panel, el);
  el.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
}
