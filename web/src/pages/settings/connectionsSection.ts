/**
 * Workspace settings: cloud connections. Each with its account, who added it and when, and its
 * last verification; "Test" checks the consented scopes of every install on it; "Remove" (after
 * a confirmation) is refused while installs act on it, and says which. Owners and admins connect
 * accounts with the same form as the install wizard's.
 */
import type { Connection } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { showErrorText, showStatus } from '../../messages.ts';
import { loading } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { showCloudError } from '../cloud/cloudErrors.ts';
import { connectionForm } from '../cloud/connectionForm.ts';
import { accountLabel, providerLabel } from '../cloud/connectionLabels.ts';
import { verificationSummary, verificationView } from '../cloud/verificationView.ts';

function connectionRow(wsId: string, c: Connection, me: string, canManage: boolean, reload: () => void): HTMLElement {
  const descId = `connection-${c.id}`;
  const result = h('div', { class: 'test-result', 'aria-live': 'polite' });
  const summary = h('span', { class: 'muted' }, verificationSummary(c.verification));
  const test = h('button', { type: 'button', class: 'secondary', 'aria-describedby': descId }, t('cloud.settings.test'));
  const remove = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': descId }, t('cloud.settings.remove'));
  test.addEventListener('click', () => {
    replace(result);
    void busy(test, async () => {
      // No scopes: the API checks those consented by every install on the connection.
      const v = await api.call('testConnection', { params: { wsId, connectionId: c.id }, body: {} });
      replace(summary, verificationSummary(v));
      replace(result, verificationView(v));
    }).catch(showCloudError);
  });
  remove.addEventListener('click', () => {
    if (!confirm(t('cloud.settings.confirmRemove', { name: c.name }))) return;
    replace(result);
    void busy(remove, async () => {
      await api.call('deleteConnection', { params: { wsId, connectionId: c.id } });
      showStatus(t('cloud.settings.removed', { name: c.name }));
      reload();
    }).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'connection_in_use') {
        const why = t('cloud.settings.inUse', { name: c.name, detail: err.problem?.detail ?? err.message });
        replace(result, h('p', { class: 'failed' }, why));
        showErrorText(why);
        return;
      }
      showCloudError(err);
    });
  });
  return h(
    'li',
    { class: 'row connection', 'data-connection': c.id },
    h(
      'span',
      { id: descId },
      h('strong', {}, c.name),
      ' ',
      h('span', {}, accountLabel(c.provider, c.account)),
      h('br'),
      h('span', { class: 'muted' }, t('cloud.settings.added', { provider: providerLabel(c.provider), by: c.createdBy === me ? t('cloud.settings.you') : c.createdBy, when: formatDateTime(c.createdAt) })),
      h('br'),
      summary,
    ),
    canManage ? h('span', { class: 'actions' }, test, remove) : null,
    result,
  );
}

export async function connectionsSection(container: HTMLElement, wsId: string, me: string, signal: AbortSignal, canManage: boolean): Promise<void> {
  const listSlot = h('div');
  const render = async () => {
    replace(listSlot, loading());
    const { items } = await api.call('listConnections', { params: { wsId }, signal });
    if (items.length === 0) replace(listSlot, h('p', {}, t('cloud.settings.none')));
    else replace(listSlot, h('ul', { class: 'rows' }, ...items.map((c) => connectionRow(wsId, c, me, canManage, () => void render().catch(showCloudError)))));
  };
  container.append(h('p', { class: 'hint' }, t('cloud.settings.intro')), listSlot);
  if (!canManage) {
    container.append(h('p', { class: 'hint' }, t('cloud.settings.askAdmin')));
    await render();
    return;
  }
  const identity = await api.call('getCloudIdentity', { params: { wsId }, signal });
  container.append(
    h('h3', { id: 'settings-connect-title' }, t('cloud.settings.newTitle')),
    connectionForm({ wsId, identity, id: 'settings-connect', onCreated: () => void render().catch(showCloudError) }),
  );
  await render();
}
