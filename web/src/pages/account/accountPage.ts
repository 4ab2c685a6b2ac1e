/**
 * `#/account`: the signed-in user's email and whether it is verified, their sessions, the way
 * into the developer portal, and the way to a publisher's earnings (publisherForm.ts).
 * A session is one sign-in the API has seen (Firebase keeps no list of them): each can be
 * ended on its own, or all at once ("sign out everywhere" also revokes Firebase's refresh tokens).
 */
import type { Session } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { refreshVerification, resendVerification, signOut } from '../../auth.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { href, type Page } from '../../router.ts';
import { requireUser, section, setTitle } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { PUBLISHERS_PATH } from '../developer/devPaths.ts';
import { publisherForm } from './publisherForm.ts';

function sessionRow(s: Session, reload: () => void): HTMLElement {
  const label = s.userAgent ?? t('account.unknownDevice');
  const end = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': `session-${s.id}` }, s.current ? t('account.endCurrent') : t('account.end'));
  end.addEventListener('click', () => {
    void busy(end, async () => {
      await api.call('revokeSession', { params: { sessionId: s.id } });
      if (s.current) {
        await signOut();
        return;
      }
      showStatus(t('account.ended'));
      reload();
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row session' },
    h(
      'span',
      { id: `session-${s.id}` },
      h('strong', {}, label),
      s.current ? h('span', {}, ' ', t('account.thisSession')) : null,
      h('br'),
      h('span', { class: 'muted' }, t('account.sessionTimes', { created: formatDateTime(s.createdAt), seen: formatDateTime(s.lastSeenAt), provider: s.signInProvider ?? '' })),
    ),
    end,
  );
}

export const accountPage: Page = async (root, { signal }) => {
  const user = requireUser();
  if (!user) return;
  setTitle(t('account.title'));
  const emailSection = section('account-email', t('account.email'));
  const sessions = section('account-sessions', t('account.sessions'));
  const developer = section('account-developer', t('account.developerTitle'), h('p', {}, h('a', { href: href(PUBLISHERS_PATH), id: 'developer-portal-link' }, t('account.developerLink'))), h('p', { class: 'hint' }, t('account.developerHint')));
  const publishers = section('account-publishers', t('publisherForm.title'), publisherForm());
  root.append(h('h1', {}, t('account.title')), emailSection, sessions, developer, publishers);

  const verified = h('p', {}, user.emailVerified ? t('account.verified', { email: user.email ?? '' }) : t('account.unverified', { email: user.email ?? '' }));
  emailSection.append(verified);
  if (!user.emailVerified && user.email) {
    const resend = h('button', { type: 'button', class: 'secondary' }, t('verify.resend'));
    resend.addEventListener('click', () => void busy(resend, () => resendVerification()).then(() => showStatus(t('verify.sent', { email: user.email ?? '' }))).catch(showError));
    const check = h('button', { type: 'button' }, t('verify.done'));
    check.addEventListener('click', () =>
      void busy(check, () => refreshVerification())
        .then((ok) => {
          showStatus(ok ? t('verify.thanks') : t('verify.notYet'));
          if (ok) replace(emailSection, h('p', {}, t('account.verified', { email: user.email ?? '' })));
        })
        .catch(showError),
    );
    emailSection.append(h('div', { class: 'actions' }, check, resend));
  }

  const list = h('ul', { class: 'rows' });
  const everywhere = h('button', { type: 'button', class: 'secondary danger' }, t('account.everywhere'));
  everywhere.addEventListener('click', () => {
    if (!confirm(t('account.confirmEverywhere'))) return;
    void busy(everywhere, async () => {
      await api.call('revokeAllSessions');
      await signOut();
    }).catch(showError);
  });
  const render = async () => {
    const { items } = await api.call('listSessions', { signal });
    replace(list, ...items.map((s) => sessionRow(s, () => void render().catch(showError))));
  };
  sessions.append(h('p', { class: 'hint' }, t('account.sessionsHint')), list, everywhere);
  await render();
};
