/** Workspace settings: API keys. A new key's secret is shown once, right after creating it; keys can be revoked. */
import type { ApiKey, ApiKeyScope } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t, tOr } from '../../i18n.ts';
import { complete } from '../../labels.ts';
import { showError, showErrorText, showStatus } from '../../messages.ts';
import { field, pagedList } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';

const SCOPES = complete<ApiKeyScope>()(['workspace.read', 'installs.read', 'runs.read', 'runs.trigger', 'approvals.decide', 'billing.read']);
const scopeLabel = (s: string) => tOr(`scope.${s}`, s);

function keyRow(wsId: string, k: ApiKey, reload: () => void): HTMLElement {
  const revoke = h('button', { type: 'button', class: 'secondary danger', 'aria-describedby': `key-${k.id}` }, t('keys.revoke'));
  revoke.hidden = k.revokedAt !== null;
  revoke.addEventListener('click', () => {
    if (!confirm(t('keys.confirmRevoke', { name: k.name }))) return;
    void busy(revoke, async () => {
      await api.call('revokeApiKey', { params: { wsId, keyId: k.id } });
      showStatus(t('keys.revoked', { name: k.name }));
      reload();
    }).catch(showError);
  });
  return h(
    'li',
    { class: 'row' },
    h(
      'span',
      { id: `key-${k.id}` },
      h('strong', {}, k.name),
      ' ',
      h('code', {}, `${k.prefix}…`),
      h('br'),
      h('span', { class: 'muted' }, k.scopes.map(scopeLabel).join(', ')),
      h('br'),
      h(
        'span',
        { class: 'muted' },
        k.revokedAt
          ? t('keys.revokedAt', { when: formatDateTime(k.revokedAt) })
          : t('keys.created', { when: formatDateTime(k.createdAt), used: k.lastUsedAt ? formatDateTime(k.lastUsedAt) : t('keys.never') }),
      ),
      k.expiresAt && !k.revokedAt ? h('br') : null,
      k.expiresAt && !k.revokedAt ? h('span', { class: 'muted' }, t(new Date(k.expiresAt).getTime() <= Date.now() ? 'keys.expired' : 'keys.expires', { when: formatDateTime(k.expiresAt) })) : null,
    ),
    revoke,
  );
}

export async function apiKeysSection(container: HTMLElement, wsId: string, signal: AbortSignal): Promise<void> {
  const listSlot = h('div');
  const shown = h('div', { class: 'secret-slot', 'aria-live': 'polite' });
  const name = h('input', { id: 'key-name', name: 'name', required: true, maxlength: 80, autocomplete: 'off' });
  const scopes = SCOPES.map((s) => h('label', { class: 'choice' }, h('input', { type: 'checkbox', name: 'scopes', value: s, checked: s === 'runs.read' || s === 'runs.trigger' }), scopeLabel(s)));
  const expiry = h('input', { id: 'key-expiry', name: 'expiry', type: 'number', min: 1, max: 3650, step: 1, inputmode: 'numeric' });
  const create = h('button', { type: 'submit' }, t('keys.create'));
  const form = h(
    'form',
    {},
    field(name, t('keys.name')),
    h('fieldset', {}, h('legend', {}, t('keys.scopes')), h('div', { class: 'choices' }, ...scopes)),
    field(expiry, t('keys.expiryDays'), '', t('keys.expiryHint')),
    create,
  );
  const render = () => {
    replace(listSlot);
    return pagedList(listSlot, h('ul', { class: 'rows' }), (cursor) => api.call('listApiKeys', { params: { wsId }, query: { cursor }, signal }), (k) => keyRow(wsId, k, () => void render().catch(showError)), () => h('p', {}, t('keys.none')));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = new FormData(form).getAll('scopes').map(String) as ApiKeyScope[];
    if (chosen.length === 0) {
      showErrorText(t('keys.noScopes'));
      return;
    }
    void busy(create, async () => {
      const days = expiry.value ? Number(expiry.value) : null;
      const expiresAt = days ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined;
      const key = await api.call('createApiKey', { params: { wsId }, body: { name: name.value.trim(), scopes: chosen, ...(expiresAt ? { expiresAt } : {}) } });
      name.value = '';
      expiry.value = '';
      const secret = h('code', { class: 'secret', tabindex: 0 }, key.secret);
      const done = h('button', { type: 'button', class: 'secondary' }, t('keys.hideSecret'));
      done.addEventListener('click', () => replace(shown));
      replace(shown, h('div', { class: 'secret-once', role: 'group', 'aria-labelledby': 'secret-title' }, h('p', { id: 'secret-title' }, h('strong', {}, t('keys.secretOnce', { name: key.name }))), secret, done));
      secret.focus();
      await render();
    }).catch(showError);
  });
  container.append(shown, listSlot, h('h3', {}, t('keys.newTitle')), form);
  await render();
}
