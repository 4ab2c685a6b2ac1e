/**
 * `#/settings`: the current workspace's members and roles, (owners and admins) its API keys, its
 * cloud connections (for those who see installs), and (owners and admins) its notification channels.
 */
import { api } from '../../api.ts';
import { canListInstalls } from '../../billingRoles.ts';
import { getCurrentWorkspace } from '../../currentWorkspace.ts';
import { t } from '../../i18n.ts';
import { navigate, type Page } from '../../router.ts';
import { allLoaded, requireUser, section, setTitle } from '../../ui/common.ts';
import { h } from '../../ui/dom.ts';
import { apiKeysSection } from './apiKeysSection.ts';
import { connectionsSection } from './connectionsSection.ts';
import { membersSection } from './membersSection.ts';
import { notificationsSection } from './notificationsSection.ts';

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
  // Invitations and notification channels are shown to those who may manage them (owners and admins).
  const { role } = await api.call('getWorkspace', { params: { wsId: ws.id }, signal });
  const canManage = role === 'owner' || role === 'admin';
  const connections = canListInstalls(role) ? section('settings-connections', t('settings.connections')) : null;
  const notifications = canManage ? section('settings-notifications', t('settings.notifications')) : null;
  for (const s of [connections, notifications]) if (s) root.append(s);
  await allLoaded([
    membersSection(members, ws.id, user.uid, signal, canManage),
    // Listing keys needs apikeys.manage too: other roles are told who manages them, and nothing is asked.
    canManage ? apiKeysSection(keys, ws.id, signal) : Promise.resolve(void keys.append(h('p', { class: 'hint' }, t('keys.managersOnly')))),
    connections ? connectionsSection(connections, ws.id, user.uid, signal, canManage) : Promise.resolve(),
    notifications ? notificationsSection(notifications, ws.id, signal) : Promise.resolve(),
  ]);
};
