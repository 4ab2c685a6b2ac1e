/** `#/workspaces`: the user's workspaces (switch between them) and a form to create one. */
import type { Workspace } from '@agent-marketplace/client';
import { getCurrentWorkspace, setCurrentWorkspace, type WorkspaceRef } from '../../currentWorkspace.ts';
import { api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { roleLabel } from '../../labels.ts';
import { showError } from '../../messages.ts';
import { forgetMyWorkspaces } from '../../myWorkspaces.ts';
import { navigate, type Page } from '../../router.ts';
import { field, pagedList, requireUser, section, setTitle } from '../../ui/common.ts';
import { busy, h } from '../../ui/dom.ts';

function workspaceItem(ws: Workspace, current: WorkspaceRef | null): HTMLElement {
  const isCurrent = ws.id === current?.id;
  const use = h('button', { type: 'button', class: 'secondary', 'aria-describedby': `ws-${ws.id}` }, t('workspace.use'));
  use.addEventListener('click', () => {
    setCurrentWorkspace({ id: ws.id, name: ws.name });
    navigate('/workspace', t('workspace.switched', { name: ws.name }));
  });
  return h(
    'li',
    { class: 'row' },
    h('span', { id: `ws-${ws.id}` }, h('strong', {}, ws.name), ' ', h('span', { class: 'muted' }, roleLabel(ws.role))),
    isCurrent ? h('span', { class: 'badge' }, t('workspace.current')) : use,
  );
}

function createForm(): HTMLFormElement {
  const name = h('input', { id: 'ws-name', name: 'name', required: true, maxlength: 80, autocomplete: 'off' });
  const submit = h('button', { type: 'submit' }, t('workspace.create'));
  const form = h('form', { class: 'inline' }, field(name, t('workspace.newName')), submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(submit, async () => {
      const ws = await api.call('createWorkspace', { body: { name: name.value.trim() } });
      forgetMyWorkspaces();
      setCurrentWorkspace({ id: ws.id, name: ws.name });
      navigate('/workspace', t('workspace.created', { name: ws.name }));
    }).catch(showError);
  });
  return form;
}

export const workspacesPage: Page = async (root, { signal }) => {
  if (!requireUser()) return;
  const current = getCurrentWorkspace();
  setTitle(t('workspace.title'));
  root.append(h('h1', {}, t('workspace.title')));
  if (!current) root.append(h('p', {}, t('workspace.none')));
  const mine = section('ws-mine', t('workspace.mine'));
  root.append(mine, section('ws-new', t('workspace.new'), createForm()));
  await pagedList(
    mine,
    h('ul', { class: 'rows' }),
    (cursor) => api.call('listWorkspaces', { query: { cursor }, signal }),
    (ws) => workspaceItem(ws, current),
    () => h('p', {}, t('workspace.empty')),
  );
};
