/** `#/settings`: the current workspace's members and roles, and its API keys. */
import { api } from '../../api.ts';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { t } from '../../i18n.ts';
import { navigate, type Page } from '../../router.ts';
import { requireUser, section, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { apiKeysSection } from './apiKeysSection.ts';
import { membersSection } from './membersSection.ts';

export const settingsPage: Page = async (root, { signal }) => {
  const user = requireUser();
  if (!user) return;
  const ws = getCurrentWorkspace();
  if (!ws) {
    navigate('/workspaces', t('workspace.chooseFirstLong'), { replace: true });
    return;
  }
  setTitle(t('settings.title', { name: ws.name }));
  const members = section('settings-members', t('settings.members'));
  const keys = section('settings-keys', t('settings.keys'));
  root.append(h('h1', {}, t('settings.title', { name: ws.name })), members, keys);
  // Invitations are shown to those who may manage members (owners and admins).
  const { role } = await api.call('getWorkspace', { params: { wsId: ws.id }, signal });
  const canManage = role === 'owner' || role === 'admin';
  const results = await Promise.allSettled([membersSection(members, ws.id, user.uid, signal, canManage), apiKeysSection(keys, ws.id, signal)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
};
