/**
 * Workspace settings: members and their roles (change, remove), and invitations: a member
 * joins only by accepting an invitation to their verified email, through the link shown once here.
 */
import type { Invitation, Member, Role } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { ROLES, roleLabel } from '../../labels.ts';
import { showError, showStatus } from '../../messages.ts';
import { field, pagedList, select } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const roleOptions = () => ROLES.map((r) => [r, roleLabel(r)] as [string, string]);

function memberRow(wsId: string, m: Member, me: string, reload: () => void): HTMLElement {
  const who = m.email ?? m.uid;
  const role = select(`member-role-${m.uid}`, roleOptions(), m.role);
  const save = h('button', { type: 'button', class: 'secondary' }, t('members.saveRole'));
  const remove = h('button', { type: 'button', class: 'secondary danger' }, m.uid === me ? t('members.leave') : t('members.remove'));
  save.addEventListener('click', () => {
    void busy(save, async () => {
      await api.call('changeMemberRole', { params: { wsId, uid: m.uid }, body: { role: role.value as Role } });
      showStatus(t('members.roleChanged', { who, role: roleLabel(role.value) }));
    }).catch(showError);
  });
  remove.addEventListener('click', () => {
    if (!confirm(t('members.confirmRemove', { who }))) return;
    void busy(remove, async () => {
      await api.call('removeMember', { params: { wsId, uid: m.uid } });
      showStatus(t('members.removed', { who }));
      reload();
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row member' },
    h('span', {}, h('strong', {}, who), ' ', h('span', { class: 'muted' }, t('members.since', { when: formatDateTime(m.addedAt) }))),
    h('span', { class: 'inline-controls' }, h('label', { for: role.id, class: 'visually-hidden' }, t('members.roleOf', { who })), role, save, remove),
  );
}

/** The link an invitee opens: this app's invitation page, carrying the token. */
const invitationLink = (token: string) => `${location.origin}${location.pathname}#/invitation?token=${encodeURIComponent(token)}`;

function invitationRow(wsId: string, inv: Invitation, reload: () => void): HTMLElement {
  const revoke = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': `inv-${inv.id}` }, t('invitations.revoke'));
  revoke.hidden = inv.state !== 'pending';
  revoke.addEventListener('click', () => {
    if (!confirm(t('invitations.confirmRevoke', { email: inv.email }))) return;
    void busy(revoke, async () => {
      await api.call('revokeInvitation', { params: { wsId, invitationId: inv.id } });
      showStatus(t('invitations.revoked', { email: inv.email }));
      reload();
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row invitation' },
    h(
      'span',
      { id: `inv-${inv.id}` },
      h('strong', {}, inv.email),
      ' ',
      h('span', {}, roleLabel(inv.role)),
      h('br'),
      h('span', { class: 'muted' }, t(`invitations.state.${inv.state}`, { when: formatDateTime(inv.state === 'pending' ? inv.expiresAt : (inv.acceptedAt ?? inv.revokedAt ?? inv.expiresAt)) })),
    ),
    revoke,
  );
}

async function invitationsSection(container: HTMLElement, wsId: string, signal: AbortSignal, onAccepted: () => void): Promise<void> {
  const listSlot = h('div');
  const shown = h('div', { class: 'secret-slot', 'aria-live': 'polite' });
  const email = h('input', { id: 'invite-email', type: 'email', name: 'email', required: true, autocomplete: 'off', maxlength: 254 });
  const role = select('invite-role', roleOptions(), 'operator');
  const send = h('button', { type: 'submit' }, t('invitations.create'));
  const form = h('form', { class: 'inline' }, field(email, t('invitations.email')), field(role, t('members.role')), send);
  const render = () => {
    replace(listSlot);
    return pagedList(listSlot, h('ul', { class: 'rows' }), (cursor) => api.call('listInvitations', { params: { wsId }, query: { cursor }, signal }), (i) => invitationRow(wsId, i, () => void render().then(onAccepted).catch(showError)), () => h('p', {}, t('invitations.none')));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(send, async () => {
      const inv = await api.call('createInvitation', { params: { wsId }, body: { email: email.value.trim(), role: role.value as Role } });
      email.value = '';
      const link = h('code', { class: 'secret invitation-link', tabindex: 0 }, invitationLink(inv.token));
      const done = h('button', { type: 'button', class: 'secondary' }, t('keys.hideSecret'));
      done.addEventListener('click', () => replace(shown));
      replace(shown, h('div', { class: 'secret-once', role: 'group', 'aria-labelledby': 'invite-title' }, h('p', { id: 'invite-title' }, h('strong', {}, t('invitations.linkOnce', { email: inv.email, role: roleLabel(inv.role) }))), link, done));
      link.focus();
      await render();
    }).catch(showError);
  });
  container.append(h('h3', {}, t('invitations.title')), shown, listSlot, h('h3', {}, t('invitations.newTitle')), h('p', { class: 'hint' }, t('invitations.hint')), form);
  await render();
}

export async function membersSection(container: HTMLElement, wsId: string, me: string, signal: AbortSignal, canManage: boolean): Promise<void> {
  const listSlot = h('div');
  const render = () => {
    replace(listSlot);
    return pagedList(listSlot, h('ul', { class: 'rows' }), (cursor) => api.call('listMembers', { params: { wsId }, query: { cursor }, signal }), (m) => memberRow(wsId, m, me, () => void render().catch(showError)), () => h('p', {}, t('members.none')));
  };
  container.append(listSlot);
  await render();
  if (canManage) await invitationsSection(container, wsId, signal, () => void render().catch(showError));
}
