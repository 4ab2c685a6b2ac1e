/**
 * The form that creates a publisher (its creator becomes its owner). The API judges the id
 * (lowercase letters, digits and dashes; free of every publisher and catalog agent): its
 * problems are shown beside the fields they concern.
 */
import { ApiError, api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { navigate } from '../../router.ts';
import { field } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';
import { publisherPath } from './devPaths.ts';
import { fieldErrors } from './fieldErrors.ts';

export function createPublisherForm(): HTMLFormElement {
  const id = h('input', { id: 'new-publisher-id', name: 'id', required: true, maxlength: 63, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
  const name = h('input', { id: 'new-publisher-name', name: 'name', required: true, maxlength: 80, autocomplete: 'organization' });
  const errors = fieldErrors({ id, name });
  const idField = field(id, t('dev.newId'), '', t('dev.newIdHint'));
  idField.append(errors.slot(id));
  const nameField = field(name, t('dev.newName'));
  nameField.append(errors.slot(name));
  const submit = h('button', { type: 'submit' }, t('dev.create'));
  // The API validates: its answer names each problem's field.
  const form = h('form', { class: 'new-publisher', novalidate: true }, idField, nameField, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    void busy(submit, async () => {
      const p = await api.call('createPublisher', { body: { id: id.value.trim(), name: name.value.trim() } });
      navigate(publisherPath(p.id), t('dev.created', { name: p.name }));
    }).catch((err: unknown) => {
      if (errors.show(err)) return;
      if (err instanceof ApiError && err.code === 'publisher_id_taken') {
        errors.set(id, t('dev.idTaken', { id: id.value.trim() }));
        id.focus();
        return;
      }
      showError(err);
    });
  });
  return form;
}
