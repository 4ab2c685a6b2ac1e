/**
 * The way to a publisher's earnings from the account page, by the publisher's id (the one named
 * on its agents): owners of seeded publishers (written by platform admins; docs/billing.md "Who
 * may see a publisher") are not members the developer portal lists.
 */
import { t } from '../../i18n.ts';
import { navigate } from '../../router.ts';
import { field } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';

/** contract PublisherId: lowercase letters, digits and dashes, starting with a letter. */
const PUBLISHER_ID = /^[a-z][a-z0-9-]{1,62}$/;

export function publisherForm(): HTMLFormElement {
  const input = h('input', { id: 'publisher-id', name: 'publisherId', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true });
  const error = h('p', { class: 'inline-error', id: 'publisher-id-error', 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', error.id);
  const form = h('form', { class: 'publisher-form', novalidate: true }, field(input, t('publisherForm.label'), '', t('publisherForm.hint')), error, h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('publisherForm.open'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (!PUBLISHER_ID.test(id)) {
      input.setAttribute('aria-invalid', 'true');
      error.textContent = t('publisherForm.invalid');
      input.focus();
      return;
    }
    navigate(`/publishers/${encodeURIComponent(id)}/earnings`);
  });
  return form;
}
