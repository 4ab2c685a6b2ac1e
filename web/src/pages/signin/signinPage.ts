/** `#/signin`: sign in with Google or GitHub, or with email and password (create an account, reset a forgotten password). */
import { currentUser, sendPasswordReset, signIn, signInWithProvider, signOut, signUp, type Provider } from '../../auth.ts';
import { h } from '../../ui/dom.ts';
import { t } from '../../i18n.ts';
import { showError, showErrorText, showStatus } from '../../messages.ts';
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

  const providerButton = (provider: Provider, label: string) => {
    const button = h('button', { type: 'button', class: 'secondary' }, label);
    button.addEventListener('click', () => {
      fields.disabled = true;
      signInWithProvider(provider)
        .then(() => navigate(next, t('signin.done'), { replace: true }))
        .catch(showError)
        .finally(() => {
          fields.disabled = false;
        });
    });
    return button;
  };
  const providers = h('div', { class: 'providers', role: 'group', 'aria-label': t('signin.providers') }, providerButton('google', t('signin.google')), providerButton('github', t('signin.github')));

  const forgot = h('button', { type: 'button', class: 'link' }, t('signin.forgot'));
  forgot.addEventListener('click', () => {
    const address = email.value.trim();
    if (!address || !email.checkValidity()) {
      showErrorText(t('signin.forgotNeedsEmail'));
      email.focus();
      return;
    }
    // The same answer whether or not the address has an account: the page does not reveal which.
    sendPasswordReset(address)
      .catch((err: unknown) => {
        if ((err as { code?: string }).code !== 'auth/user-not-found') throw err;
      })
      .then(() => showStatus(t('signin.resetSent', { email: address })))
      .catch(showError);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const mode = (event.submitter as HTMLButtonElement | null)?.value === 'signup' ? 'signup' : 'signin';
    fields.disabled = true;
    (mode === 'signup' ? signUp : signIn)(email.value.trim(), password.value)
      // The session listener re-renders the page; go where the visitor was heading.
      .then(() => navigate(next, mode === 'signup' ? t('signin.createdVerify', { email: email.value.trim() }) : t('signin.done'), { replace: true }))
      .catch((err: unknown) => {
        showError(err);
        password.focus();
      })
      .finally(() => {
        fields.disabled = false;
      });
  });
  root.append(providers, h('p', { class: 'muted' }, t('signin.orEmail')), form, h('p', {}, forgot));
};
