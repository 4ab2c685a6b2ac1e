/** Workspace settings: members and their roles (change, remove, add by email). */
import type { Member, Role } from '@agent-marketplace/client';
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

export async function membersSection(container: HTMLElement, wsId: string, me: string, signal: AbortSignal): Promise<void> {
  const listSlot = h('div');
  const email = h('input', { id: 'member-email', type: 'email', name: 'email', required: true, autocomplete: 'off', maxlength: 254 });
  const role = select('member-role', roleOptions(), 'operator');
  const add = h('button', { type: 'submit' }, t('members.add'));
  const form = h('form', { class: 'inline' }, field(email, t('members.email')), field(role, t('members.role')), add);
  const render = () => {
    replace(listSlot);
    return pagedList(listSlot, h('ul', { class: 'rows' }), (cursor) => api.call('listMembers', { params: { wsId }, query: { cursor }, signal }), (m) => memberRow(wsId, m, me, () => void render().catch(showError)), () => h('p', {}, t('members.none')));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(add, async () => {
      const m = await api.call('addMember', { params: { wsId }, body: { email: email.value.trim(), role: role.value as Role } });
      showStatus(t('members.added', { who: m.email ?? m.uid, role: roleLabel(m.role) }));
      email.value = '';
      await render();
    }).catch(showError);
  });
  container.append(listSlot, h('h3', {}, t('members.addTitle')), form);
  await render();
}
