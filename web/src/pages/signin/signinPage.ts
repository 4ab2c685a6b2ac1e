/** `#/signin`: sign in, or create an account, with email and password. */
import { currentUser, signIn, signOut, signUp } from '../../auth.ts';
import { h } from '../../ui/dom.ts';
import { t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { navigate, type Page } from '../../router.ts';
import { setTitle } from '../../ui/common.ts';

/** Only in-app paths: `next` comes from the address bar. */
const safeNext = (next: string | null): string => (next && /^\/(?!\/)/.test(next) ? next : '/workspace');

export const signInPage: Page = (root, { query }) => {
  setTitle(t('signin.title'));
  const next = safeNext(query.get('next'));
  root.append(h('h1', {}, t('signin.title')));

  const user = currentUser();
  if (user) {
    const out = h('button', { type: 'button', class: 'secondary' }, t('nav.signOut'));
    out.addEventListener('click', () => void signOut().catch(showError));
    root.append(h('p', {}, t('signin.already', { email: user.email ?? user.uid })), out);
    return;
  }

  const email = h('input', { id: 'signin-email', name: 'email', type: 'email', autocomplete: 'email', required: true });
  const password = h('input', {
    id: 'signin-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    minlength: 6,
    'aria-describedby': 'signin-password-hint',
  });
  const fields = h(
    'fieldset',
    { class: 'plain' },
    h('legend', { class: 'visually-hidden' }, t('signin.legend')),
    h('div', { class: 'field' }, h('label', { for: email.id }, t('signin.email')), email),
    h(
      'div',
      { class: 'field' },
      h('label', { for: password.id }, t('signin.password')),
      password,
      h('p', { id: 'signin-password-hint', class: 'hint' }, t('signin.passwordHint')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', value: 'signin' }, t('signin.submit')),
      h('button', { type: 'submit', value: 'signup', class: 'secondary' }, t('signin.create')),
    ),
  );
  const form = h('form', {}, fields);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = (event.submitter as HTMLButtonElement | null)?.value === 'signup' ? 'signup' : 'signin';
    fields.disabled = true;
    (mode === 'signup' ? signUp : signIn)(email.value.trim(), password.value)
      // The session listener re-renders the page; go where the visitor was heading.
      .then(() => navigate(next, mode === 'signup' ? t('signin.created') : t('signin.done'), { replace: true }))
      .catch((err: unknown) => {
        showError(err);
        password.focus();
      })
      .finally(() => {
        fields.disabled = false;
      });
  });
  root.append(form);
};
