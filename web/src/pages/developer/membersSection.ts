/**
 * A publisher's members. Owners and admins add members by the email of an existing account,
 * change roles and remove members (only an owner touches an owner); anyone may leave. A
 * publisher always keeps an owner: the API's refusal (`last_owner`) is said in words here.
 */
import type { PublisherMember, PublisherRole } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { navigate } from '../../router.ts';
import { field, select } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { PUBLISHERS_PATH, publisherPath } from './devPaths.ts';
import { fieldErrors } from './fieldErrors.ts';
import { assignableRoles, canManageMembers, canTouchMember, publisherRoleLabel } from './publisherRoles.ts';

interface Ctx {
  publisherId: string;
  me: string;
  myRole: PublisherRole;
  /** Where a refusal is said (a live region above the list). */
  problem: HTMLElement;
  reload(): void;
}

const roleOptions = (roles: PublisherRole[]) => roles.map((r) => [r, publisherRoleLabel(r)] as [string, string]);

/** Refusals the members list explains itself; anything else goes to the page's alert. */
function explain(ctx: Ctx, err: unknown): void {
  if (err instanceof ApiError && err.code === 'last_owner') {
    replace(ctx.problem, h('p', {}, h('strong', {}, t('dev.members.lastOwnerTitle')), ' ', t('dev.members.lastOwner')));
    return;
  }
  showError(err);
}

function memberRow(ctx: Ctx, m: PublisherMember): HTMLElement {
  const who = m.email ?? m.uid;
  const self = m.uid === ctx.me;
  const controls = h('span', { class: 'inline-controls' });
  const badge = h('span', { class: 'badge publisher-role' }, publisherRoleLabel(m.role));
  const row = h('li', { class: 'member', 'data-member': m.uid, 'data-role': m.role });
  if (canTouchMember(ctx.myRole, m.role)) {
    const role = select(`pub-member-role-${m.uid}`, roleOptions(assignableRoles(ctx.myRole)), m.role);
    const save = h('button', { type: 'button', class: 'secondary' }, t('members.saveRole'));
    save.addEventListener('click', () => {
      replace(ctx.problem);
      void busy(save, async () => {
        await api.call('changePublisherMember', { params: { publisherId: ctx.publisherId, uid: m.uid }, body: { role: role.value as PublisherRole } });
        // Updated in place, so focus stays on the button.
        badge.textContent = publisherRoleLabel(role.value as PublisherRole);
        row.dataset.role = role.value;
        const said = t('members.roleChanged', { who, role: publisherRoleLabel(role.value as PublisherRole) });
        // A member who changed their own role may now do less: the page draws again for it.
        if (self) navigate(publisherPath(ctx.publisherId), said);
        else showStatus(said);
      }).catch((err: unknown) => explain(ctx, err));
    });
    controls.append(h('label', { for: role.id, class: 'visually-hidden' }, t('members.roleOf', { who })), role, save);
  }
  if (self || canTouchMember(ctx.myRole, m.role)) {
    const remove = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': `pub-member-${m.uid}` }, self ? t('members.leave') : t('members.remove'));
    remove.addEventListener('click', () => {
      replace(ctx.problem);
      if (!confirm(self ? t('dev.members.confirmLeave', { publisher: ctx.publisherId }) : t('members.confirmRemove', { who }))) return;
      void busy(remove, async () => {
        await api.call('removePublisherMember', { params: { publisherId: ctx.publisherId, uid: m.uid } });
        if (self) return navigate(PUBLISHERS_PATH, t('dev.members.left', { publisher: ctx.publisherId }));
        showStatus(t('members.removed', { who }));
        ctx.reload();
      }).catch((err: unknown) => explain(ctx, err));
    });
    controls.append(remove);
  }
  row.append(
    h(
      'span',
      { id: `pub-member-${m.uid}` },
      h('strong', {}, who),
      self ? ` ${t('dev.members.you')}` : '',
      ' ',
      badge,
      h('br'),
      h('span', { class: 'muted' }, t('members.since', { when: formatDateTime(m.addedAt) })),
    ),
    controls,
  );
  return row;
}

function addForm(ctx: Ctx): HTMLFormElement {
  const email = h('input', { id: 'pub-member-email', type: 'email', name: 'email', required: true, autocomplete: 'off', maxlength: 320 });
  const role = select('pub-member-new-role', roleOptions(assignableRoles(ctx.myRole)), 'developer');
  const errors = fieldErrors({ email, role });
  const emailField = field(email, t('invitations.email'), '', t('dev.members.addHint'));
  emailField.append(errors.slot(email));
  const roleField = field(role, t('members.role'));
  roleField.append(errors.slot(role));
  const add = h('button', { type: 'submit' }, t('dev.members.add'));
  const form = h('form', { class: 'inline', novalidate: true }, emailField, roleField, add);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    replace(ctx.problem);
    void busy(add, async () => {
      const m = await api.call('addPublisherMember', { params: { publisherId: ctx.publisherId }, body: { email: email.value.trim(), role: role.value as PublisherRole } });
      email.value = '';
      showStatus(t('dev.members.added', { who: m.email ?? m.uid, role: publisherRoleLabel(m.role) }));
      ctx.reload();
    }).catch((err: unknown) => {
      if (errors.show(err)) return;
      if (err instanceof ApiError && (err.code === 'account_not_found' || err.code === 'publisher_member_exists')) {
        errors.set(email, err.problem?.detail ?? err.message);
        email.focus();
        return;
      }
      showError(err);
    });
  });
  return form;
}

export async function membersSection(container: HTMLElement, publisherId: string, me: string, myRole: PublisherRole, signal: AbortSignal): Promise<void> {
  const list = h('ul', { class: 'rows', id: 'publisher-members' });
  const problem = h('div', { class: 'form-problem', id: 'members-problem', 'aria-live': 'polite' });
  const ctx: Ctx = { publisherId, me, myRole, problem, reload: () => void render().catch(showError) };
  const render = async () => {
    const { items } = await api.call('listPublisherMembers', { params: { publisherId }, signal });
    replace(list, ...items.map((m) => memberRow(ctx, m)));
  };
  container.append(problem, list);
  if (canManageMembers(myRole)) container.append(h('h3', {}, t('dev.members.addTitle')), addForm(ctx));
  await render();
}
