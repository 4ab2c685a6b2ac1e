/**
 * `#/invitation?token=…`: the page an invitation link opens. The signed-in user accepts it;
 * the API checks that their verified email is the invited one.
 */
import { ApiError, api } from '../../api.ts';
import { refreshVerification, resendVerification } from '../../auth.ts';
import { setCurrentWorkspace } from '../../currentWorkspace.ts';
import { t } from '../../i18n.ts';
import { showError, showErrorText, showStatus } from '../../messages.ts';
import { forgetMyWorkspaces } from '../../myWorkspaces.ts';
import { navigate, type Page } from '../../router.ts';
import { requireUser, setTitle } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';

export const invitationPage: Page = (root, { query }) => {
  setTitle(t('invitation.title'));
  root.append(h('h1', {}, t('invitation.title')));
  const user = requireUser();
  if (!user) return;
  const token = query.get('token') ?? '';
  if (!token) {
    root.append(h('p', {}, t('invitation.noToken')));
    return;
  }
  const accept = h('button', { type: 'button' }, t('invitation.accept'));
  const help = h('div', { 'aria-live': 'polite' });
  accept.addEventListener('click', () => {
    void busy(accept, async () => {
      // A verification done in another tab only reaches the API in a new ID token.
      if (!user.emailVerified) await refreshVerification();
      const member = await api.call('acceptInvitation', { body: { token } });
      const ws = await api.call('getWorkspace', { params: { wsId: member.wsId } });
      forgetMyWorkspaces();
      setCurrentWorkspace({ id: ws.id, name: ws.name });
      navigate('/workspace', t('invitation.accepted', { name: ws.name }), { replace: true });
    }).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'email_not_verified') {
        const resend = h('button', { type: 'button', class: 'secondary' }, t('verify.resend'));
        resend.addEventListener('click', () => void resendVerification().then(() => showStatus(t('verify.sent', { email: user.email ?? '' }))).catch(showError));
        help.replaceChildren(h('p', {}, t('invitation.verifyFirst', { email: user.email ?? '' })), resend);
        showErrorText(t('invitation.verifyFirst', { email: user.email ?? '' }));
        return;
      }
      showError(err);
    });
  });
  root.append(h('p', {}, t('invitation.intro', { email: user.email ?? user.uid })), accept, help);
};
